"""Notices go only to the contact the requester verified, once per step, with no personal data."""

from __future__ import annotations

from bot.notices import NoticeKind, NoticeState
from bot.tickets import Channel, Kind, Status, VerificationMethod
from tests.unit.notices.conftest import CANARY, Desk, agent


def _all_sent_text(desk: Desk) -> str:
    return "\n".join(f"{m.subject or ''}\n{m.body}" for m in desk.outbox.list(limit=100))


def test_a_filed_request_verified_by_email_code_is_confirmed_to_that_address_masked(desk: Desk) -> None:
    ticket = desk.file()
    queued = desk.notices.queue(ticket.reference, NoticeKind.FILED)
    assert queued is not None and queued.channel == "email" and queued.recipient == "z***@example.org"
    assert desk.sender().run_once().sent == 1
    message = desk.outbox.latest()
    assert message is not None and message.to == CANARY.email and ticket.reference in message.body


def test_a_request_confirmed_by_a_texted_code_is_confirmed_by_sms(desk: Desk) -> None:
    ticket = desk.file(channel=Channel.VOICE, method=VerificationMethod.SMS_CODE)
    queued = desk.notices.queue(ticket.reference, NoticeKind.FILED)
    assert queued is not None and queued.channel == "sms" and queued.recipient == "the number ending 0123"
    desk.sender().run_once()
    assert desk.outbox.latest().to == CANARY.phone  # type: ignore[union-attr]


def test_no_notice_goes_to_an_unverified_contact(desk: Desk) -> None:
    ticket = desk.file(method=VerificationMethod.NONE, status=Status.AWAITING_VERIFICATION)
    assert desk.notices.queue(ticket.reference, NoticeKind.FILED) is None
    assert desk.sender().run_once().sent == 0 and desk.outbox.list() == []


def test_queueing_one_step_twice_sends_one_notice(desk: Desk) -> None:
    ticket = desk.file()
    first = desk.notices.queue(ticket.reference, NoticeKind.FILED)
    again = desk.notices.queue(ticket.reference, NoticeKind.FILED)
    assert first is not None and again is not None
    assert again.notice_id == first.notice_id and first.created and not again.created
    assert desk.sender().run_once().sent == 1 and len(desk.outbox.list()) == 1


def test_an_agent_extending_then_completing_notifies_the_requester_of_each(desk: Desk) -> None:
    ticket = desk.file()
    work, alice = desk.work(), agent()
    view = work.claim(ticket.reference, alice)
    view = work.move(ticket.reference, alice, "in_progress", view.version)
    view = work.extend(ticket.reference, alice, "We must search archived order systems.", view.version)
    view = work.complete(ticket.reference, alice, "fulfilled", view.version)
    assert [n.kind for n in desk.notices.for_ticket(ticket.reference)] == [NoticeKind.EXTENDED, NoticeKind.COMPLETED]
    assert desk.sender().run_once().sent == 2
    bodies = [m.body for m in desk.outbox.list()]
    assert any("archived order systems" in b and "respond by" in b for b in bodies)
    assert any("completed your deletion request" in b for b in bodies)
    assert all(n.state is NoticeState.SENT for n in desk.notices.for_ticket(ticket.reference))


def test_a_rejection_and_a_partial_fulfilment_each_have_their_notice(desk: Desk) -> None:
    work, alice = desk.work(), agent()
    rejected, partial = desk.file(), desk.file(kind=Kind.ACCESS)
    for ticket, action in ((rejected, "reject"), (partial, "complete")):
        view = work.move(ticket.reference, alice, "in_progress", work.claim(ticket.reference, alice).version)
        code = "duplicate_request" if action == "reject" else "partially_fulfilled"
        getattr(work, action)(ticket.reference, alice, code, view.version)
    assert desk.notices.for_ticket(rejected.reference)[0].kind is NoticeKind.REJECTED
    assert desk.notices.for_ticket(partial.reference)[0].kind is NoticeKind.PARTLY_FULFILLED


def test_a_parental_documents_request_is_sent_by_sms_to_the_confirmed_number(desk: Desk) -> None:
    ticket = desk.file(
        kind=Kind.PARENTAL_DELETION, channel=Channel.SMS, method=VerificationMethod.SMS_CODE, status=Status.VERIFIED
    )
    work, alice = desk.work(), agent()
    view = work.move(ticket.reference, alice, "in_progress", work.claim(ticket.reference, alice).version)
    work.request_documents(ticket.reference, alice, view.version)
    desk.sender().run_once()
    message = desk.outbox.latest()
    assert message is not None and message.channel.value == "sms" and message.to == CANARY.phone
    assert "parental status" in message.body and ticket.reference in message.body


def test_canary_no_notice_carries_personal_data_beyond_reference_and_masked_contact(desk: Desk) -> None:
    work, alice = desk.work(), agent()
    for method in (VerificationMethod.EMAIL_CODE, VerificationMethod.SMS_CODE):
        ticket = desk.file(method=method)
        desk.notices.queue(ticket.reference, NoticeKind.FILED)
        view = work.claim(ticket.reference, alice)
        view = work.extend(ticket.reference, alice, "Archived systems.", view.version)
        work.reject(ticket.reference, alice, "identity_not_verified", view.version)
    desk.sender().run_once()
    text = _all_sent_text(desk)
    assert text.count("PD-") >= 6
    for secret in (
        CANARY.requester_name,
        CANARY.email,
        CANARY.phone,
        CANARY.details,
        "Zebulon",
        "zebulon.canary",
        "5550123",
    ):
        assert secret not in text


def test_agents_are_reminded_once_of_a_ticket_close_to_its_due_date(desk: Desk) -> None:
    from datetime import timedelta

    from bot.notices.reminders import ReminderPolicy, queue_at_risk

    soon = desk.file()
    policy = ReminderPolicy(days_before=3, desk_email="privacy-team@example.com", console_base="https://desk.example")
    # ``soon``'s due date is 2 days away; ``later`` was filed 10 days after it.
    desk.clock.advance(days=10)
    later = desk.file()
    today = soon.respond_by - timedelta(days=2)
    assert queue_at_risk(desk.notices, desk.tickets, policy, today) == 1
    assert queue_at_risk(desk.notices, desk.tickets, policy, today) == 0  # once per due date
    [reminder] = desk.notices.for_ticket(soon.reference)
    assert reminder.kind is NoticeKind.AT_RISK and reminder.recipient == "p***@example.com"
    assert desk.notices.for_ticket(later.reference) == []
    desk.sender().run_once()
    message = desk.outbox.latest(to="privacy-team@example.com")
    assert message is not None and f"https://desk.example/console/tickets/{soon.reference}" in message.body
    assert "2 day(s) left" in message.body and CANARY.email not in message.body


def test_sending_the_filed_notice_records_the_acknowledgement_of_receipt(desk: Desk) -> None:
    ticket = desk.file()
    desk.notices.queue(ticket.reference, NoticeKind.FILED)
    sender = desk.sender(on_sent=lambda reference, kind: desk.tickets.acknowledge(reference, actor="system:notices"))
    assert desk.tickets.get_by_reference(ticket.reference).acknowledged_at is None
    sender.run_once()
    assert desk.tickets.get_by_reference(ticket.reference).acknowledged_at == desk.clock()


def test_an_escalation_gets_no_requester_notice_its_answer_is_the_agents_reply(desk: Desk) -> None:
    ticket = desk.file(kind=Kind.ESCALATION)
    assert desk.notices.queue(ticket.reference, NoticeKind.COMPLETED) is None
