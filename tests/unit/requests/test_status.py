"""Status checks: reference + the contact on it + code to that contact; unknown references look exactly like wrong codes."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from bot.privacy.crypto import Indexer
from bot.requests.status import describe_status, finish_status_check, start_status_check
from bot.tickets import Channel, Kind, PersonalData, Status
from bot.verification.codes import CheckResult
from bot.verification.limits import Lockouts
from bot.webapp.ratelimit import MemoryCounter


def make_ticket(backend, status=Status.VERIFIED):
    return backend.tickets.create(
        kind=Kind.DELETION,
        channel=Channel.WEB,
        idempotency_key="k1",
        status=status,
        personal=PersonalData(email="ada.demo@example.com"),
    ).ticket


def test_right_code_to_the_tickets_contact_shows_status_next_step_and_due_date(backend):
    ticket = make_ticket(backend)
    started = start_status_check(
        ticket.reference.lower().replace("-", " "),
        "Ada.Demo@example.com",
        tickets=backend.tickets,
        verification=backend.verification,
    )
    code = backend.last_code("ada.demo@example.com")
    lookup = finish_status_check(
        started.reference, started.challenge_id, code, tickets=backend.tickets, verification=backend.verification
    )
    assert lookup.check is CheckResult.OK and lookup.ticket.reference == ticket.reference
    text = describe_status(lookup.ticket)
    assert ticket.reference in text and "Next step" in text and "respond by" in text


def test_unknown_reference_and_wrong_code_give_the_same_results_until_lockout(backend):
    ticket = make_ticket(backend)
    real = start_status_check(
        ticket.reference, "ada.demo@example.com", tickets=backend.tickets, verification=backend.verification
    )
    fake = start_status_check(
        "PD-0000-0000", "ada.demo@example.com", tickets=backend.tickets, verification=backend.verification
    )
    assert real.challenge_id and fake.challenge_id
    results_real = [
        finish_status_check(
            real.reference, real.challenge_id, "000000", tickets=backend.tickets, verification=backend.verification
        ).check
        for _ in range(5)
    ]
    results_fake = [
        finish_status_check(
            fake.reference, fake.challenge_id, "000000", tickets=backend.tickets, verification=backend.verification
        ).check
        for _ in range(5)
    ]
    assert results_real == results_fake == [CheckResult.WRONG] * 4 + [CheckResult.LOCKED]


def test_a_reference_alone_or_with_the_wrong_contact_sends_the_owner_nothing(backend):
    """F5: knowing a reference is not enough to make us send its owner a code (so nobody can use up their codes)."""
    ticket = make_ticket(backend)
    for given in ("", "someone.else@example.com", "+12025550199", "not a contact"):
        started = start_status_check(
            ticket.reference, given, tickets=backend.tickets, verification=backend.verification
        )
        assert started.challenge_id and started.retry_after is None  # a decoy: the conversation goes on the same way
    assert backend.outbox.latest(to="ada.demo@example.com") is None
    assert start_status_check(
        ticket.reference, "ada.demo@example.com", tickets=backend.tickets, verification=backend.verification
    ).challenge_id
    assert backend.last_code("ada.demo@example.com")


class SlowNotifier:
    """A provider that takes its time (SMTP / Twilio round trips)."""

    def __init__(self, inner, delay_s: float) -> None:
        self.inner, self.delay_s = inner, delay_s

    def send_email(self, *args):
        time.sleep(self.delay_s)
        return self.inner.send_email(*args)

    def send_sms(self, *args):
        time.sleep(self.delay_s)
        return self.inner.send_sms(*args)


def test_a_matching_status_check_answers_as_fast_as_one_that_sends_nothing(backend):
    """F5: the answer's timing does not tell whether the details matched (the code goes out in the background)."""
    ticket = make_ticket(backend)
    backend.verification.notifier = SlowNotifier(backend.verification.notifier, 0.6)
    took = {}
    for given in ("someone.else@example.com", "ada.demo@example.com"):
        started = time.monotonic()
        start_status_check(ticket.reference, given, tickets=backend.tickets, verification=backend.verification)
        took[given] = time.monotonic() - started
    assert max(took.values()) < 0.5, took
    assert backend.last_code("ada.demo@example.com", wait_s=5)


def lock_once(backend, reference: str) -> None:
    started = start_status_check(
        reference, "ada.demo@example.com", tickets=backend.tickets, verification=backend.verification
    )
    for _ in range(5):
        finish_status_check(
            reference, started.challenge_id, "000000", tickets=backend.tickets, verification=backend.verification
        )


def test_lockouts_escalate_per_reference_with_a_daily_cap_for_real_and_unknown_references_alike(backend):
    """F5: each locked challenge blocks new checks of that reference for longer; after 3 in a day, for the day."""
    now = [0.0]
    backend.verification.lockouts = Lockouts(MemoryCounter(clock=lambda: now[0]), Indexer(secrets.token_urlsafe(32)))
    ticket = make_ticket(backend)
    waits = {}
    for reference in (ticket.reference, "PD-0000-0000"):
        waits[reference] = []
        for _ in range(3):
            lock_once(backend, reference)
            blocked = start_status_check(
                reference, "ada.demo@example.com", tickets=backend.tickets, verification=backend.verification
            )
            assert blocked.challenge_id is None
            waits[reference].append(blocked.retry_after)
            now[0] += blocked.retry_after.total_seconds() if len(waits[reference]) < 3 else 0
        now[0] += 86_400  # the next day: a fresh allowance for the next reference's run
    for reference, seen in waits.items():
        assert seen[0] == timedelta(minutes=15) and seen[1] == timedelta(hours=1), reference
        assert seen[2] >= timedelta(hours=22), reference  # the daily cap: the rest of the day's window
    after_cap = start_status_check(
        ticket.reference, "ada.demo@example.com", tickets=backend.tickets, verification=backend.verification
    )
    assert after_cap.challenge_id is not None  # the day's window ended


def test_code_before_any_was_requested_is_no_challenge(backend):
    lookup = finish_status_check(
        "PD-0000-0000", None, "123456", tickets=backend.tickets, verification=backend.verification
    )
    assert lookup.check is CheckResult.NO_CHALLENGE and lookup.ticket is None


def test_awaiting_documents_status_explains_the_proof(backend):
    ticket = make_ticket(backend, Status.AWAITING_DOCUMENTS)
    assert "official documents" in describe_status(ticket)
