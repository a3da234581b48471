"""Bad input → a clear domain error, and the database is left exactly as it was."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Callable, Dict, List, Tuple

import pytest
from sqlalchemy import text

from bot.tickets import (
    FIELD_LIMITS,
    FieldTooLong,
    InvalidField,
    InvalidTransition,
    PersonalData,
    TicketError,
    TicketNotFound,
    TicketService,
    Verification,
)

from .conftest import TABLES

LONE_SURROGATE = "caf\udce9"
GOOD = dict(kind="access", channel="web")


def snapshot(service: TicketService) -> Dict[str, List[Tuple[Any, ...]]]:
    with service.database.engine.connect() as connection:
        return {
            table: [
                tuple(row)
                for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))  # noqa: S608 - TABLES constant
            ]
            for table in TABLES
        }


def create(**overrides: Any) -> Callable[[TicketService, str], Any]:
    def call(service: TicketService, _ref: str) -> Any:
        kwargs: Dict[str, Any] = {**GOOD, "idempotency_key": "new-key", **overrides}
        return service.create(**kwargs)

    return call


CASES: List[Tuple[str, Callable[[TicketService, str], Any], type]] = [
    ("unknown kind", create(kind="refund"), InvalidField),
    ("unknown channel", create(channel="fax"), InvalidField),
    ("unknown status", create(status="lost"), InvalidField),
    ("terminal initial status", create(status="completed"), InvalidField),
    ("unknown priority", create(priority="urgent"), InvalidField),
    ("unknown jurisdiction", create(jurisdiction="MARS"), InvalidField),
    ("empty idempotency key", create(idempotency_key="  "), InvalidField),
    ("oversize idempotency key", create(idempotency_key="k" * 201), FieldTooLong),
    ("lone surrogate in idempotency key", create(idempotency_key=LONE_SURROGATE), InvalidField),
    (
        "oversize name",
        create(personal=PersonalData(requester_name="N" * (FIELD_LIMITS["requester_name"] + 1))),
        FieldTooLong,
    ),
    ("oversize details", create(personal=PersonalData(details="d" * (FIELD_LIMITS["details"] + 1))), FieldTooLong),
    ("oversize transcript", create(transcript="t" * (FIELD_LIMITS["transcript"] + 1)), FieldTooLong),
    ("lone surrogate in name", create(personal=PersonalData(requester_name=LONE_SURROGATE)), InvalidField),
    ("lone surrogate in details", create(personal=PersonalData(details="ok " + LONE_SURROGATE)), InvalidField),
    ("lone surrogate in transcript", create(transcript=LONE_SURROGATE), InvalidField),
    ("NUL in name", create(personal=PersonalData(requester_name="a\x00b")), InvalidField),
    ("not an e-mail", create(personal=PersonalData(email="not-an-email")), InvalidField),
    ("not a phone", create(personal=PersonalData(phone="12")), InvalidField),
    ("future birth date", create(personal=PersonalData(date_of_birth=date.today() + timedelta(days=1))), InvalidField),
    ("malformed birth date", create(personal=PersonalData(date_of_birth="31/12/1990")), InvalidField),  # type: ignore[arg-type]
    ("non-text name", create(personal=PersonalData(requester_name=42)), InvalidField),  # type: ignore[arg-type]
    ("naive received_at", create(received_at=datetime(2026, 1, 1)), InvalidField),
    (
        "free-text data point",
        create(verification=Verification("sms_code", "reasonable", ("the e-mail address",))),
        InvalidField,
    ),
    (
        "too many data points",
        create(verification=Verification("sms_code", "high", tuple(f"p{i}" for i in range(11)))),
        FieldTooLong,
    ),
    ("unknown verification level", create(verification=Verification("sms_code", "ultra", ())), InvalidField),  # type: ignore[arg-type]
    ("e-mail as actor", create(actor="someone@example.com"), InvalidField),
    ("unknown status in transition", lambda s, r: s.transition(r, "lost", actor="bot"), InvalidField),
    ("invalid transition", lambda s, r: s.transition(r, "completed", actor="bot"), InvalidTransition),
    (
        "free-text reason code",
        lambda s, r: s.transition(r, "rejected", actor="bot", reason_code="Jane was rude"),
        InvalidField,
    ),
    ("unknown reference", lambda s, r: s.transition("PD-0000-0000", "verified", actor="bot"), TicketNotFound),
    ("garbage reference", lambda s, r: s.get_by_reference("'; DROP TABLE tickets; --"), TicketNotFound),
    ("lone surrogate reference", lambda s, r: s.claim(LONE_SURROGATE, agent="agent:a"), TicketNotFound),
    ("non-text reference", lambda s, r: s.get_by_reference(None), TicketNotFound),  # type: ignore[arg-type]
    ("bad agent", lambda s, r: s.claim(r, agent="agent alice"), InvalidField),
    ("bad expected_version", lambda s, r: s.claim(r, agent="agent:a", expected_version=0), InvalidField),
    ("oversize note", lambda s, r: s.add_note(r, "n" * (FIELD_LIMITS["note"] + 1), author="agent:a"), FieldTooLong),
    ("lone surrogate note", lambda s, r: s.add_note(r, LONE_SURROGATE, author="agent:a"), InvalidField),
    ("unknown note kind", lambda s, r: s.add_note(r, "hi", author="agent:a", kind="sticky"), InvalidField),
    ("note on unknown ticket", lambda s, r: s.add_note("PD-ZZZZ-ZZZZ", "hi", author="agent:a"), TicketNotFound),
    ("oversize extension reason", lambda s, r: s.extend(r, "r" * 2001, actor="agent:a"), FieldTooLong),
    (
        "unknown reveal reason",
        lambda s, r: s.reveal_personal_data(r, actor="agent:a", reason="curiosity"),
        InvalidField,
    ),
    ("export of unknown ticket", lambda s, r: s.export_package("PD-ZZZZ-ZZZZ", actor="agent:a"), TicketNotFound),
    ("release of unknown ticket", lambda s, r: s.release("PD-ZZZZ-ZZZZ", agent="agent:a"), TicketNotFound),
]


@pytest.mark.parametrize("name,call,error", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_domain_error_and_leaves_database_unchanged(ticket_service, name, call, error):
    existing = ticket_service.create(
        **GOOD, idempotency_key="existing", personal=PersonalData(email="e@example.com")
    ).ticket
    before = snapshot(ticket_service)
    with pytest.raises(error) as caught:
        call(ticket_service, existing.reference)
    assert isinstance(caught.value, TicketError)
    assert snapshot(ticket_service) == before
    message = str(caught.value)
    for secret in ("e@example.com", "someone@example.com", "Jane", LONE_SURROGATE, "N" * 50):
        assert secret not in message
