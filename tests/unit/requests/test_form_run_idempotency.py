"""Idempotency keys are scoped to one form run and never resolve to a closed ticket (finding F2)."""

from __future__ import annotations

from typing import Any, Dict

from actions import names
from actions.privacy_requests.escalation import ActionEscalate, ValidateEscalationContactForm
from actions.privacy_requests.request_validation import ValidateRequestForm
from actions.privacy_requests.submit import ActionSubmitRequest
from bot.tickets import Channel, Kind, Status
from tests.unit.requests.support import build_tracker, run_action, slotsets

CALLER = "tw-voice-same-caller"
ADA = {
    "request_kind": "deletion",
    "full_name": "Ada Demo",
    "email": "ada.demo@example.com",
    "phone": "__skipped__",
    "date_of_birth": "1985-12-10",
    "identifier": "10022",
}


def reject(backend, reference: str) -> None:
    backend.tickets.transition(reference, Status.REJECTED, actor="agent:test", reason_code="identity_not_verified")


async def escalate(form_run: Any) -> str:
    slots = {"email": "ada.demo@example.com", "form_run": form_run}
    tracker = build_tracker("talk to a person", "talk_to_person", slots=slots, active_loop=None, sender=CALLER)
    events, _ = await run_action(ActionEscalate(), tracker)
    return slotsets(events)[names.SLOT_LAST_REFERENCE]


async def test_a_form_run_starts_with_a_fresh_nonce_in_its_slot():
    """F2: the first validation of a form run stores a random run nonce; the next run gets another."""
    tracker = build_tracker(
        "talk to a person",
        "talk_to_person",
        slots={"email": "ada.demo@example.com"},
        active_loop="escalation_contact_form",
    )
    first = slotsets((await run_action(ValidateEscalationContactForm(), tracker))[0]).get("form_run")
    second = slotsets((await run_action(ValidateEscalationContactForm(), tracker))[0]).get("form_run")
    assert first and second and first != second


async def test_two_calls_from_one_number_with_the_same_turn_count_get_two_escalations(backend):
    """F2: a later call from the same caller id is not handed the earlier call's reference."""
    first = await escalate("run-of-first-call")
    second = await escalate("run-of-second-call")
    assert first != second
    assert {t.reference for t in backend.tickets.list_queue().items} == {first, second}


async def test_a_retried_escalation_in_one_form_run_files_one_ticket(backend):
    """F2: the same run (a retried action) still answers with its one ticket."""
    assert await escalate("one-run") == await escalate("one-run")
    assert len(backend.tickets.list_queue().items) == 1


async def test_an_escalation_key_of_a_rejected_ticket_files_a_new_ticket(backend):
    """F2: even the same run's key never resolves to a closed (rejected) ticket."""
    first = await escalate("one-run")
    reject(backend, first)
    second = await escalate("one-run")
    assert second != first
    assert backend.tickets.get_by_reference(second).status is not Status.REJECTED


def test_the_ticket_store_never_returns_a_closed_ticket_for_a_repeated_key(backend):
    """F2: the store itself: a key whose ticket was rejected or completed creates a new ticket."""
    created = backend.tickets.create(kind=Kind.ESCALATION, channel=Channel.VOICE, idempotency_key="k-1")
    reject(backend, created.ticket.reference)
    again = backend.tickets.create(kind=Kind.ESCALATION, channel=Channel.VOICE, idempotency_key="k-1")
    assert again.created and again.ticket.reference != created.ticket.reference
    assert (
        backend.tickets.create(kind=Kind.ESCALATION, channel=Channel.VOICE, idempotency_key="k-1").ticket.reference
        == again.ticket.reference
    )


async def file_request(backend, form_run: Any) -> Dict[str, Any]:
    """Confirm the summary (a code goes out), enter the code, submit: the events of the submit."""
    asked = {**ADA, "requested_slot": "request_confirmed", "request_confirmed": "yes", "form_run": form_run}
    events, _ = await run_action(ValidateRequestForm(), build_tracker("yes", "affirm", slots=asked, sender=CALLER))
    challenge = slotsets(events)["challenge_id"]
    backend.verification.check_code(challenge, backend.last_code("ada.demo@example.com"))
    done = {
        **ADA,
        "request_confirmed": True,
        "challenge_id": challenge,
        "verification_code": "confirmed",
        "verified": True,
        "requested_slot": None,
        "form_run": form_run,
    }
    events, messages = await run_action(
        ActionSubmitRequest(), build_tracker("123456", slots=done, active_loop=None, sender=CALLER)
    )
    return {"reference": slotsets(events).get(names.SLOT_LAST_REFERENCE), "text": messages[0]["text"]}


async def test_refiling_the_same_request_after_rejection_gets_a_new_reference(backend):
    """F2: the same rights request, same conversation, filed again after rejection: a new ticket, not the old one."""
    first = await file_request(backend, "first-run")
    reject(backend, first["reference"])
    second = await file_request(backend, "second-run")
    assert second["reference"] and second["reference"] != first["reference"]
    assert second["reference"] in second["text"] and first["reference"] not in second["text"]
    assert backend.tickets.get_by_reference(second["reference"]).status is Status.VERIFIED
