"""The parental and status-check actions, run as rasa_sdk runs them: a Tracker in, events and messages out.

Real domain services (SQLite ticket store, codes in the local outbox, the demo customer directory).
"""

from __future__ import annotations

from typing import List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.privacy_requests.asks import ActionAskParentalConfirmed
from actions.privacy_requests.parental_validation import ValidateParentalForm
from actions.privacy_requests.status import ActionReportStatus
from actions.privacy_requests.status_validation import ValidateStatusForm
from actions.privacy_requests.submit import ActionSubmitParentalRequest
from bot.company import current_profile
from bot.tickets import Channel, Kind, PersonalData, Priority, Status
from tests.unit.requests.support import DOMAIN, run_action, slotsets, texts, tracker

run = run_action


# --------------------------------------------------------------------------- parental

PARENT_SLOTS = {
    "parent_name": "Pat Demo",
    "parent_contact": "pat.demo@example.com",
    "relationship": "parent",
    "child_name": "Finn Demo",
    "child_account": "finn.demo@example.com",
    "child_age": 11.0,
}


async def test_parental_request_is_filed_awaiting_documents_with_high_priority_and_the_proof_explained(backend):
    _, summary = await run(ActionAskParentalConfirmed(), tracker(slots=PARENT_SLOTS, active_loop="parental_form"))
    assert "official documents establishing parental or guardian status" in texts(summary)
    t = tracker(
        "yes",
        "affirm",
        slots={**PARENT_SLOTS, "requested_slot": "parental_confirmed", "parental_confirmed": "yes"},
        active_loop="parental_form",
    )
    events, _ = await run(ValidateParentalForm(), t)
    challenge = slotsets(events)["challenge_id"]
    code = backend.last_code("pat.demo@example.com")
    events, _ = await run(
        ValidateParentalForm(),
        tracker(
            code,
            slots={
                **PARENT_SLOTS,
                "parental_confirmed": True,
                "challenge_id": challenge,
                "requested_slot": "verification_code",
                "verification_code": code,
            },
            active_loop="parental_form",
        ),
    )
    assert slotsets(events)["verified"] is True
    done = {**PARENT_SLOTS, "parental_confirmed": True, "challenge_id": challenge, "verification_code": "confirmed"}
    events, msgs = await run(ActionSubmitParentalRequest(), tracker("x", slots=done, active_loop=None))
    ticket = backend.tickets.list_queue().items[0]
    assert (
        ticket.kind is Kind.PARENTAL_DELETION
        and ticket.status is Status.AWAITING_DOCUMENTS
        and ticket.priority is Priority.HIGH
    )
    text = texts(msgs)
    profile = current_profile()
    assert profile.postal_address is not None
    assert ticket.reference in text and profile.postal_address.street in text and profile.privacy_email in text
    assert slotsets(events)["child_name"] is None


@pytest.mark.parametrize(
    "value, ok", [("parent", True), ("I'm his mum", True), ("legal guardian", True), ("his uncle", False)]
)
async def test_only_parents_and_guardians(value, ok):
    result = await ValidateParentalForm().validate_relationship(
        value, CollectingDispatcher(), tracker(active_loop="parental_form"), DOMAIN
    )
    assert (result["relationship"] is not None) is ok


# --------------------------------------------------------------------------- status


async def status_answers(backend, reference: str, code: str, contact: str = "ada.demo@example.com") -> List[str]:
    form = ValidateStatusForm()
    events, _ = await run(
        form,
        tracker(
            reference,
            slots={"requested_slot": "status_reference", "status_reference": reference},
            active_loop="status_form",
        ),
    )
    reference = slotsets(events)["status_reference"]
    asked = {"status_reference": reference, "requested_slot": "status_contact", "status_contact": contact}
    events, first = await run(form, tracker(contact, slots=asked, active_loop="status_form"))
    sets = slotsets(events)
    slots = {
        "status_reference": reference,
        "status_contact": sets["status_contact"],
        "challenge_id": sets["challenge_id"],
        "requested_slot": "status_code",
        "status_code": code,
    }
    _, second = await run(form, tracker(code, slots=slots, active_loop="status_form"))
    return [texts(first), texts(second)]


async def test_status_check_unknown_reference_and_wrong_code_answer_identically(backend):
    ticket = backend.tickets.create(
        kind=Kind.DELETION,
        channel=Channel.WEB,
        idempotency_key="s1",
        personal=PersonalData(email="ada.demo@example.com"),
    ).ticket
    real = await status_answers(backend, ticket.reference, "000000")
    unknown = await status_answers(backend, "PD-0000-0000", "000000")
    assert real == unknown
    assert "If that reference and those details match" in real[0] and "didn't match" in real[1]


async def test_status_check_with_someone_elses_contact_answers_identically_and_sends_nothing(backend):
    """F5: the owner gets no code unless the requester also knows the contact on the request; same words either way."""
    ticket = backend.tickets.create(
        kind=Kind.DELETION,
        channel=Channel.WEB,
        idempotency_key="s1",
        personal=PersonalData(email="ada.demo@example.com"),
    ).ticket
    guessed = await status_answers(backend, ticket.reference, "000000", contact="mallory@example.net")
    assert backend.outbox.latest(to="ada.demo@example.com") is None
    known = await status_answers(backend, ticket.reference, "000000")
    assert backend.last_code("ada.demo@example.com")
    assert guessed == known


async def test_status_check_with_the_right_code_reports_status_next_step_and_due_date(backend):
    ticket = backend.tickets.create(
        kind=Kind.DELETION,
        channel=Channel.WEB,
        idempotency_key="s2",
        status=Status.VERIFIED,
        personal=PersonalData(email="ada.demo@example.com"),
    ).ticket
    form = ValidateStatusForm()
    asked = {
        "requested_slot": "status_contact",
        "status_reference": ticket.reference,
        "status_contact": "ada.demo@example.com",
    }
    events, _ = await run(form, tracker("ada.demo@example.com", slots=asked, active_loop="status_form"))
    challenge = slotsets(events)["challenge_id"]
    code = backend.last_code("ada.demo@example.com")
    events, _ = await run(
        form,
        tracker(
            code,
            slots={
                "status_reference": ticket.reference,
                "challenge_id": challenge,
                "status_contact": "ada.demo@example.com",
                "requested_slot": "status_code",
                "status_code": code,
            },
            active_loop="status_form",
        ),
    )
    assert slotsets(events)["status_code"] == "confirmed"
    _, msgs = await run(
        ActionReportStatus(),
        tracker("x", slots={"status_reference": ticket.reference, "status_code": "confirmed"}, active_loop=None),
    )
    assert ticket.reference in texts(msgs) and "Next step" in texts(msgs) and "respond by" in texts(msgs)


async def test_malformed_reference_gets_the_format_hint():
    events, msgs = await run(
        ValidateStatusForm(),
        tracker(
            "hello",
            slots={"requested_slot": "status_reference", "status_reference": "hello"},
            active_loop="status_form",
        ),
    )
    assert slotsets(events)["status_reference"] is None and "PD-7K3D-9QXM" in texts(msgs)
