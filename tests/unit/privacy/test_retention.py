"""Retention: purge deletes exactly what is older than the cut-off, audits counts only."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List

import pytest
import sqlalchemy as sa

from bot.jobs.retention import PurgeReport, parse_interval, run_purge, start_daily_purge
from bot.privacy.conversations import EVENTS, SESSION_STARTED, ConversationRecords, create_tracker_engine
from bot.services import Services
from bot.settings import Settings
from bot.storage.migrate import upgrade
from bot.tickets.models import AuditEvent, Ticket
from bot.tickets.service import TicketService
from bot.tickets.types import PersonalData

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgres"])
def records(request: pytest.FixtureRequest, settings: Settings) -> ConversationRecords:
    if request.param == "sqlite":
        built = ConversationRecords.from_settings(settings)
    else:
        built = ConversationRecords.from_settings(
            settings, engine=create_tracker_engine(request.getfixturevalue("postgres_url"))
        )
        EVENTS.drop(built.engine, checkfirst=True)  # a clean table per test
    built.create_schema()
    return built


def add_events(records: ConversationRecords, conversation: str, events: List[Dict[str, Any]]) -> None:
    with records.engine.begin() as connection:
        for event in events:
            connection.execute(
                sa.insert(EVENTS).values(
                    sender_id=records.key(conversation),
                    type_name=event["event"],
                    timestamp=event["timestamp"],
                    data=records.seal(event),
                )
            )


def session(at: datetime, turns: int = 2) -> List[Dict[str, Any]]:
    t = at.timestamp()
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": t},
        {"event": SESSION_STARTED, "timestamp": t},
    ]
    for i in range(turns):
        events.append({"event": "user", "text": f"message {i}", "timestamp": t + 10 * i + 1})
        events.append({"event": "bot", "text": f"reply {i}", "timestamp": t + 10 * i + 2})
    return events


def stored_counts(records: ConversationRecords) -> Dict[str, int]:
    with records.engine.connect() as connection:
        rows = connection.execute(sa.select(EVENTS.c.sender_id, sa.func.count()).group_by(EVENTS.c.sender_id)).all()
    return {sender: count for sender, count in rows}


def test_purge_deletes_exactly_the_conversations_and_sessions_older_than_the_cutoff(
    records: ConversationRecords,
) -> None:
    cutoff = NOW - 30 * DAY
    add_events(records, "stale", session(NOW - 40 * DAY))  # 6 events, all old
    add_events(
        records, "just-stale", session(cutoff - timedelta(seconds=60), turns=1)
    )  # last event 58 s before the cut-off
    add_events(records, "just-fresh", session(cutoff + timedelta(seconds=1), turns=1))  # first event after it
    add_events(records, "recent", session(NOW - 2 * DAY))
    add_events(records, "returning", session(NOW - 45 * DAY) + session(NOW - DAY))  # old session + current session
    before = stored_counts(records)

    counts = records.delete_before(cutoff)

    after = stored_counts(records)
    assert counts.conversations == 2
    assert counts.events == 6 + 4 + 6
    assert records.key("stale") not in after and records.key("just-stale") not in after
    assert after[records.key("just-fresh")] == before[records.key("just-fresh")]
    assert after[records.key("recent")] == before[records.key("recent")]
    assert after[records.key("returning")] == 6
    assert records.delete_before(cutoff).events == 0  # idempotent


def test_purge_keeps_the_current_session_of_a_conversation_still_in_use(records: ConversationRecords) -> None:
    # One long session that began before the cut-off and is still active: deleting part of it would
    # corrupt the live conversation, so it is kept whole until it goes quiet.
    add_events(
        records,
        "long-session",
        session(NOW - 31 * DAY) + [{"event": "user", "text": "still here", "timestamp": (NOW - DAY).timestamp()}],
    )

    counts = records.delete_before(NOW - 30 * DAY)

    assert counts.events == 0 and stored_counts(records)[records.key("long-session")] == 7


def test_purge_rejects_a_naive_cutoff(records: ConversationRecords) -> None:
    with pytest.raises(ValueError):
        records.purge(datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        records.delete_before(datetime(2026, 1, 1))


def test_erase_deletes_a_conversation_and_its_quarantined_rows(records: ConversationRecords) -> None:
    add_events(records, "requester", session(NOW - DAY))
    add_events(records, "other", session(NOW - DAY))
    records.quarantine(records.key("requester"))
    add_events(records, "requester", session(NOW))

    deleted = records.erase(["requester", "never-seen"])

    assert deleted == 12
    assert records.count_events("requester") == 0 and records.count_events("other") == 6


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def ticket_service(settings: Settings) -> TicketService:
    upgrade(settings.database_url)
    service = TicketService.from_settings(settings, verify=False)
    service._clock = FixedClock(NOW - 800 * DAY)  # noqa: SLF001 - inject time
    return service


def services_over(settings: Settings, records: ConversationRecords, tickets: Any) -> Services:
    """The job's services, with the test's conversation store and ticket store in place of the built ones."""
    services = Services.from_settings(settings, verify_keys=False)
    services.conversations = records  # type: ignore[misc]
    services.tickets = tickets  # type: ignore[misc]
    return services


def close_ticket(service: TicketService, key: str) -> str:
    ticket = service.create(
        kind="deletion", channel="web", idempotency_key=key, personal=PersonalData(email=f"{key}@example.org")
    ).ticket
    for status in ("verified", "in_progress", "completed"):
        service.transition(ticket.reference, status, actor="agent:alice")
    return ticket.reference


def test_run_purge_anonymises_old_closed_tickets_and_audits_counts_only(
    settings: Settings, records: ConversationRecords, ticket_service: TicketService
) -> None:
    old_reference = close_ticket(ticket_service, "old-case")
    ticket_service._clock.now = NOW - 10 * DAY  # noqa: SLF001
    recent_reference = close_ticket(ticket_service, "recent-case")
    ticket_service._clock.now = NOW  # noqa: SLF001
    add_events(records, "stale", session(NOW - 40 * DAY))
    add_events(records, "recent", session(NOW - DAY))

    report = run_purge(settings, now=NOW, services=services_over(settings, records, ticket_service))

    assert report.ok and report.audited
    assert (report.deleted["conversations"], report.deleted["tickets"]) == (6, 1)
    assert ticket_service.get_by_reference(old_reference).anonymised_at is not None
    assert ticket_service.get_by_reference(recent_reference).anonymised_at is None
    with ticket_service.database.read() as db:
        run_events = db.scalars(
            sa.select(AuditEvent).where(AuditEvent.ticket_id.is_(None), AuditEvent.actor == "system:retention")
        ).all()
        assert [e.reason_code for e in run_events] == [f"purge.e6.t1.r{report.audit_counts['r']}"]
        assert db.scalars(sa.select(Ticket.personal_ct).where(Ticket.reference == old_reference)).one() is None


def test_a_failing_store_is_reported_and_the_others_still_run(settings: Settings, records: ConversationRecords) -> None:
    class BrokenTickets:
        def purge(self, cutoff: datetime) -> int:
            raise RuntimeError("database down")

        def record_retention_run(self, counts: Dict[str, int], *, actor: str) -> None:
            self.counts = dict(counts)

    upgrade(settings.database_url)
    add_events(records, "stale", session(NOW - 40 * DAY))
    broken = BrokenTickets()

    report = run_purge(settings, now=NOW, services=services_over(settings, records, broken))

    assert report.failed_steps == ["tickets"] and report.deleted["conversations"] == 6
    assert "notices" in report.deleted and "twilio-state" in report.deleted  # the stores after it still ran
    assert broken.counts["e"] == 6 and broken.counts["t"] == 0 and report.audited


def test_daily_schedule_runs_again_after_each_interval_and_stops(settings: Settings) -> None:
    runs: List[int] = []
    done = threading.Event()

    def runner(_: Any) -> PurgeReport:
        runs.append(1)
        if len(runs) >= 3:
            done.set()
        return PurgeReport()

    stop = start_daily_purge(settings, interval=timedelta(seconds=0.01), first_delay=0.0, runner=runner)
    try:
        assert done.wait(5)
    finally:
        stop()
    count = len(runs)
    threading.Event().wait(0.1)
    assert len(runs) == count


def test_purge_command_prints_counts_as_json(
    environ: Dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from bot.cli import main

    Path(environ["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    from bot.settings import settings_from_environ

    upgrade(settings_from_environ(environ).database_url)

    assert main(["purge", "--json"]) == 0
    output = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert output["deleted"]["conversations"] == 0 and output["audited"] is True and output["failed_steps"] == []
    assert set(output) == {"deleted", "failed_steps", "audited"}


@pytest.mark.parametrize("text, expected", [("24h", timedelta(hours=24)), ("1d", DAY), ("90m", timedelta(minutes=90))])
def test_purge_interval_parses_durations(text: str, expected: timedelta) -> None:
    assert parse_interval(text) == expected
