"""Status checks: reference + code to the ticket's contact; unknown references look exactly like wrong codes."""
from __future__ import annotations

from bot.requests.status import describe_status, finish_status_check, start_status_check
from bot.tickets import Channel, Kind, PersonalData, Status
from bot.verification.codes import CheckResult


def make_ticket(backend, status=Status.VERIFIED):
    return backend.tickets.create(kind=Kind.DELETION, channel=Channel.WEB, idempotency_key="k1", status=status,
                                  personal=PersonalData(email="ada.demo@example.com")).ticket


def test_right_code_to_the_tickets_contact_shows_status_next_step_and_due_date(backend):
    ticket = make_ticket(backend)
    started = start_status_check(ticket.reference.lower().replace("-", " "), tickets=backend.tickets,
                                 verification=backend.verification)
    code = backend.last_code("ada.demo@example.com")
    lookup = finish_status_check(started.reference, started.challenge_id, code, tickets=backend.tickets,
                                 verification=backend.verification)
    assert lookup.check is CheckResult.OK and lookup.ticket.reference == ticket.reference
    text = describe_status(lookup.ticket)
    assert ticket.reference in text and "Next step" in text and "respond by" in text


def test_unknown_reference_and_wrong_code_give_the_same_results_until_lockout(backend):
    ticket = make_ticket(backend)
    real = start_status_check(ticket.reference, tickets=backend.tickets, verification=backend.verification)
    fake = start_status_check("PD-0000-0000", tickets=backend.tickets, verification=backend.verification)
    assert real.challenge_id and fake.challenge_id
    results_real = [finish_status_check(real.reference, real.challenge_id, "000000", tickets=backend.tickets,
                                        verification=backend.verification).check for _ in range(5)]
    results_fake = [finish_status_check(fake.reference, fake.challenge_id, "000000", tickets=backend.tickets,
                                        verification=backend.verification).check for _ in range(5)]
    assert results_real == results_fake == [CheckResult.WRONG] * 4 + [CheckResult.LOCKED]


def test_code_before_any_was_requested_is_no_challenge(backend):
    lookup = finish_status_check("PD-0000-0000", None, "123456", tickets=backend.tickets, verification=backend.verification)
    assert lookup.check is CheckResult.NO_CHALLENGE and lookup.ticket is None


def test_awaiting_documents_status_explains_the_proof(backend):
    ticket = make_ticket(backend, Status.AWAITING_DOCUMENTS)
    assert "official documents" in describe_status(ticket)
