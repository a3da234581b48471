"""TicketService behaviour, on SQLite and PostgreSQL (``ticket_service`` runs each test twice)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.privacy.crypto import DataCipher, DecryptionError, generate_key
from bot.tickets import (
    AlreadyClaimed,
    AuditAction,
    Channel,
    ExtensionNotAllowed,
    InvalidField,
    InvalidTransition,
    Kind,
    NotClaimed,
    NoteKind,
    PersonalData,
    Priority,
    RevealReason,
    Status,
    TicketService,
    Verification,
    VerificationLevel,
    VerificationMethod,
    VersionConflict,
)
from bot.tickets.models import AuditEvent, Ticket
from bot.tickets.service import EXPORT_FORMAT

ALICE = "agent:alice"
BOB = "agent:bob"


def make(service: TicketService, key: str = "k-1", **kwargs):
    kwargs.setdefault("kind", Kind.ACCESS)
    kwargs.setdefault("channel", Channel.WEB)
    return service.create(idempotency_key=key, **kwargs).ticket


def to_in_progress(service: TicketService, reference: str) -> None:
    service.transition(reference, Status.VERIFIED, actor="bot")
    service.transition(reference, Status.IN_PROGRESS, actor=ALICE)


# ------------------------------------------------------------------ create


def test_create_computes_ccpa_deadlines_and_starts_awaiting_verification(ticket_service, clock):
    ticket = make(ticket_service, personal=PersonalData(email="a@example.com"))
    assert ticket.status is Status.AWAITING_VERIFICATION
    assert ticket.jurisdiction == "US-CA" and ticket.regime == "CCPA"
    received_on = ticket.due_date - timedelta(days=45)
    assert ticket.respond_by == ticket.due_date and ticket.extended_due_date is None
    assert ticket.acknowledge_by is not None and ticket.acknowledge_by > received_on
    assert ticket.version == 1 and ticket.assignee is None and ticket.has_personal_data
    assert ticket.received_at == clock.now
    assert ticket.reference.startswith("PD-") and len(ticket.reference) == 12


def test_create_gdpr_ticket_is_due_in_one_month(ticket_service):
    ticket = make(ticket_service, jurisdiction="eu")
    assert ticket.jurisdiction == "EU" and ticket.regime == "GDPR" and ticket.acknowledge_by is None
    assert 28 <= (ticket.due_date - ticket.received_at.date()).days <= 35


def test_parental_deletion_is_high_priority_and_may_start_awaiting_documents(ticket_service):
    ticket = make(ticket_service, kind="parental_deletion", status="awaiting_documents", channel="sms")
    assert ticket.priority is Priority.HIGH and ticket.status is Status.AWAITING_DOCUMENTS
    assert make(ticket_service, key="k-2").priority is Priority.NORMAL


def test_create_with_same_idempotency_key_returns_the_first_ticket(ticket_service):
    first = ticket_service.create(kind="deletion", channel="sms", idempotency_key="conv-1:deletion")
    again = ticket_service.create(kind="deletion", channel="sms", idempotency_key="conv-1:deletion")
    assert first.created and not again.created
    assert again.ticket.reference == first.ticket.reference
    assert ticket_service.list_queue().total == 1


def test_create_records_verification_and_transcript(ticket_service):
    verification = Verification(VerificationMethod.SMS_CODE, VerificationLevel.REASONABLE, ("phone", "email"))
    ticket = make(
        ticket_service, status="verified", verification=verification, kind="escalation", transcript="user: [EMAIL] hi"
    )
    assert ticket.verification == verification and ticket.verified_at is not None
    assert ticket.has_transcript
    assert ticket_service.transcript(ticket.reference) == "user: [EMAIL] hi"


def test_references_are_unique_and_found_however_typed(ticket_service):
    refs = {make(ticket_service, key=f"k{i}").reference for i in range(20)}
    assert len(refs) == 20
    ref = sorted(refs)[0]
    spoken = ref.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert ticket_service.get_by_reference(spoken).reference == ref


def test_find_by_email_and_phone_uses_normalised_blind_index(ticket_service):
    ticket = make(ticket_service, personal=PersonalData(email="Jo.Doe@Example.com", phone="+1 (415) 555-0100"))
    make(ticket_service, key="other", personal=PersonalData(email="someone@example.com"))
    assert [t.reference for t in ticket_service.find_by_email("  jo.doe@example.COM ")] == [ticket.reference]
    assert [t.reference for t in ticket_service.find_by_phone("+14155550100")] == [ticket.reference]
    assert ticket_service.find_by_email("nobody@example.com") == []


# ------------------------------------------------------------------ state machine


def test_transitions_follow_the_state_machine_and_are_audited(ticket_service):
    ticket = make(ticket_service)
    ticket = ticket_service.transition(ticket.reference, "verified", actor="bot", reason_code="sms_code_matched")
    ticket = ticket_service.transition(ticket.reference, "in_progress", actor=ALICE, expected_version=ticket.version)
    ticket = ticket_service.transition(ticket.reference, "awaiting_requester", actor=ALICE)
    ticket = ticket_service.transition(ticket.reference, "completed", actor=ALICE)
    assert ticket.status is Status.COMPLETED and ticket.closed_at is not None and not ticket.is_open
    history = ticket_service.history(ticket.reference)
    assert [(e.action, e.from_status, e.to_status) for e in history] == [
        (AuditAction.CREATED, None, Status.AWAITING_VERIFICATION),
        (AuditAction.TRANSITIONED, Status.AWAITING_VERIFICATION, Status.VERIFIED),
        (AuditAction.TRANSITIONED, Status.VERIFIED, Status.IN_PROGRESS),
        (AuditAction.TRANSITIONED, Status.IN_PROGRESS, Status.AWAITING_REQUESTER),
        (AuditAction.TRANSITIONED, Status.AWAITING_REQUESTER, Status.COMPLETED),
    ]
    assert history[1].reason_code == "sms_code_matched" and history[2].actor == ALICE


def test_invalid_transition_raises_and_changes_nothing(ticket_service):
    ticket = make(ticket_service)
    with pytest.raises(InvalidTransition) as caught:
        ticket_service.transition(ticket.reference, "completed", actor=ALICE)
    assert caught.value.current == "awaiting_verification" and caught.value.requested == "completed"
    after = ticket_service.get_by_reference(ticket.reference)
    assert after == ticket
    assert len(ticket_service.history(ticket.reference)) == 1


def test_closed_tickets_cannot_move(ticket_service):
    ticket = make(ticket_service)
    ticket_service.transition(ticket.reference, "withdrawn", actor="requester")
    with pytest.raises(InvalidTransition):
        ticket_service.transition(ticket.reference, "verified", actor="bot")


def test_verification_recorded_on_transition_to_verified(ticket_service):
    ticket = make(ticket_service)
    v = Verification("email_code", "high", ("email", "date_of_birth", "account_id"))
    ticket = ticket_service.transition(ticket.reference, "verified", actor="bot", verification=v)
    assert ticket.verification.level is VerificationLevel.HIGH and ticket.verification.data_points == v.data_points
    with pytest.raises(InvalidField):
        ticket_service.transition(ticket.reference, "in_progress", actor=ALICE, verification=v)


def test_stale_expected_version_raises_version_conflict(ticket_service):
    ticket = make(ticket_service)
    ticket_service.transition(ticket.reference, "verified", actor="bot")
    with pytest.raises(VersionConflict) as caught:
        ticket_service.transition(ticket.reference, "in_progress", actor=ALICE, expected_version=ticket.version)
    assert caught.value.expected == 1 and caught.value.current == 2
    assert ticket_service.get_by_reference(ticket.reference).status is Status.VERIFIED


def test_acknowledge_is_recorded_once(ticket_service, clock):
    ticket = make(ticket_service)
    first = ticket_service.acknowledge(ticket.reference, actor="bot")
    clock.advance(hours=1)
    second = ticket_service.acknowledge(ticket.reference, actor="bot")
    assert first.acknowledged_at == second.acknowledged_at is not None
    assert [e.action for e in ticket_service.history(ticket.reference)].count(AuditAction.ACKNOWLEDGED) == 1


# ------------------------------------------------------------------ claim / release


def test_claim_is_exclusive_and_the_loser_learns_the_holder(ticket_service):
    ticket = make(ticket_service)
    claimed = ticket_service.claim(ticket.reference, agent=ALICE)
    assert claimed.assignee == ALICE and claimed.version == ticket.version + 1 and claimed.claimed_at
    with pytest.raises(AlreadyClaimed) as caught:
        ticket_service.claim(ticket.reference, agent=BOB)
    assert caught.value.holder == ALICE
    assert ticket_service.claim(ticket.reference, agent=ALICE) == claimed  # idempotent for the holder


def test_release_only_by_holder_then_another_agent_can_claim(ticket_service):
    ticket = make(ticket_service)
    ticket_service.claim(ticket.reference, agent=ALICE)
    with pytest.raises(NotClaimed) as caught:
        ticket_service.release(ticket.reference, agent=BOB)
    assert caught.value.holder == ALICE
    released = ticket_service.release(ticket.reference, agent=ALICE)
    assert released.assignee is None
    assert ticket_service.claim(ticket.reference, agent=BOB).assignee == BOB
    actions = [e.action for e in ticket_service.history(ticket.reference)]
    assert actions == [AuditAction.CREATED, AuditAction.CLAIMED, AuditAction.RELEASED, AuditAction.CLAIMED]


def test_claim_with_stale_version_or_closed_ticket_fails(ticket_service):
    ticket = make(ticket_service)
    ticket_service.transition(ticket.reference, "verified", actor="bot")
    with pytest.raises(VersionConflict):
        ticket_service.claim(ticket.reference, agent=ALICE, expected_version=ticket.version)
    ticket_service.transition(ticket.reference, "rejected", actor="bot", reason_code="duplicate")
    with pytest.raises(InvalidTransition):
        ticket_service.claim(ticket.reference, agent=ALICE)
    assert ticket_service.get_by_reference(ticket.reference).assignee is None


# ------------------------------------------------------------------ notes, extension


def test_notes_are_kept_encrypted_and_returned_in_order(ticket_service, database):
    ticket = make(ticket_service)
    ticket_service.add_note(ticket.reference, "Called back, left voicemail", author=ALICE)
    ticket_service.add_note(ticket.reference, "We have received your documents.", author=ALICE, kind=NoteKind.REPLY)
    notes = ticket_service.notes(ticket.reference)
    assert [(n.kind, n.body) for n in notes] == [
        (NoteKind.INTERNAL, "Called back, left voicemail"),
        (NoteKind.REPLY, "We have received your documents."),
    ]
    with database.engine.connect() as connection:
        raw = connection.execute(text("SELECT body_ct FROM ticket_notes")).scalars().all()
    assert all(b"voicemail" not in bytes(body) for body in raw)
    assert ticket_service.get_by_reference(ticket.reference).version == ticket.version  # notes do not bump it


def test_ccpa_extension_adds_45_days_once_with_a_reason(ticket_service):
    ticket = make(ticket_service)
    extended = ticket_service.extend(ticket.reference, "Request needs records from two systems", actor=ALICE)
    assert extended.extended_due_date == ticket.due_date + timedelta(days=45) == extended.respond_by
    assert extended.extension_count == 1 and extended.due_date == ticket.due_date
    assert ticket_service.extension_reason(ticket.reference) == "Request needs records from two systems"
    with pytest.raises(ExtensionNotAllowed):
        ticket_service.extend(ticket.reference, "again", actor=ALICE)
    events = ticket_service.history(ticket.reference)
    assert events[-1].action is AuditAction.EXTENDED and events[-1].reason_code == "extension"


def test_extension_needs_a_reason_and_an_open_ticket(ticket_service):
    ticket = make(ticket_service)
    with pytest.raises(InvalidField):
        ticket_service.extend(ticket.reference, "   ", actor=ALICE)
    ticket_service.transition(ticket.reference, "withdrawn", actor="requester")
    with pytest.raises(ExtensionNotAllowed):
        ticket_service.extend(ticket.reference, "too late", actor=ALICE)


def test_gdpr_extension_adds_two_months(ticket_service):
    ticket = make(ticket_service, jurisdiction="EU")
    extended = ticket_service.extend(ticket.reference, "complex", actor=ALICE)
    assert 88 <= (extended.respond_by - ticket.received_at.date()).days <= 96


# ------------------------------------------------------------------ queue


def test_queue_orders_high_priority_first_then_by_due_date(ticket_service, clock):
    old = make(ticket_service, key="old")
    clock.advance(days=3)
    newer = make(ticket_service, key="newer")
    parental = make(ticket_service, key="parental", kind="parental_deletion")
    page = ticket_service.list_queue()
    assert [t.reference for t in page.items] == [parental.reference, old.reference, newer.reference]
    assert page.total == 3 and page.next_offset is None


def test_queue_filters_paginates_and_counts_by_status(ticket_service):
    for i in range(7):
        make(ticket_service, key=f"w{i}", channel="web")
    sms = [make(ticket_service, key=f"s{i}", channel="sms", kind="deletion") for i in range(3)]
    ticket_service.claim(sms[0].reference, agent=ALICE)
    ticket_service.transition(sms[1].reference, "withdrawn", actor="requester")

    page = ticket_service.list_queue(limit=4)
    assert len(page.items) == 4 and page.total == 9 and page.next_offset == 4
    rest = ticket_service.list_queue(limit=4, offset=8)
    assert len(rest.items) == 1 and rest.next_offset is None
    assert page.counts_by_status["awaiting_verification"] == 9 and page.counts_by_status["withdrawn"] == 1

    assert ticket_service.list_queue(channels=["sms"]).total == 2
    assert ticket_service.list_queue(kinds=["deletion"], statuses=["withdrawn"]).total == 1
    assert [t.reference for t in ticket_service.list_queue(assignee=ALICE).items] == [sms[0].reference]
    assert ticket_service.list_queue(unassigned=True).total == 8
    assert ticket_service.list_queue(jurisdictions=["EU"]).total == 0
    overdue = ticket_service.list_queue(overdue_on=date.today() + timedelta(days=400))
    assert overdue.total == 9


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kinds": ["refund"]},
        {"statuses": ["open"]},
        {"channels": ["fax"]},
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"jurisdictions": ["MARS"]},
        {"assignee": ALICE, "unassigned": True},
    ],
)
def test_queue_rejects_bad_filters(ticket_service, kwargs):
    with pytest.raises(InvalidField):
        ticket_service.list_queue(**kwargs)


# ------------------------------------------------------------------ personal data


def test_reveal_returns_decrypted_data_and_audits_actor_and_reason(ticket_service):
    personal = PersonalData(requester_name="Ada Lovelace", email="ada@example.com", date_of_birth=date(1990, 12, 10))
    ticket = make(ticket_service, personal=personal)
    assert (
        ticket_service.reveal_personal_data(ticket.reference, actor=ALICE, reason=RevealReason.VERIFY_IDENTITY)
        == personal
    )
    event = ticket_service.history(ticket.reference)[-1]
    assert (event.action, event.actor, event.reason_code) == (
        AuditAction.PERSONAL_DATA_REVEALED,
        ALICE,
        "verify_identity",
    )
    with pytest.raises(InvalidField):
        ticket_service.reveal_personal_data(ticket.reference, actor=ALICE, reason="because I am curious")


def test_export_package_needs_verification_and_holds_the_request(ticket_service):
    personal = PersonalData(requester_name="Grace Hopper", email="grace@example.com", account_id="C-100")
    ticket = make(ticket_service, personal=personal)
    with pytest.raises(InvalidTransition):
        ticket_service.export_package(ticket.reference, actor=ALICE)
    to_in_progress(ticket_service, ticket.reference)
    ticket_service.add_note(ticket.reference, "internal only", author=ALICE)
    ticket_service.add_note(ticket.reference, "Your data is attached.", author=ALICE, kind="reply")
    package = ticket_service.export_package(ticket.reference, actor=ALICE, account_data={"orders": 2})
    assert package["format"] == EXPORT_FORMAT
    assert package["request"]["reference"] == ticket.reference and package["request"]["kind"] == "access"
    assert package["personal_data"] == {
        "requester_name": "Grace Hopper",
        "email": "grace@example.com",
        "account_id": "C-100",
    }
    assert [m["text"] for m in package["messages_to_requester"]] == ["Your data is attached."]
    assert [h["to"] for h in package["status_history"]] == ["awaiting_verification", "verified", "in_progress"]
    assert package["account_data"] == {"orders": 2}
    assert ticket_service.history(ticket.reference)[-1].action is AuditAction.EXPORTED
    import json

    json.dumps(package)  # JSON-ready


def test_anonymise_closed_erases_personal_data_after_retention(ticket_service, clock):
    keep = make(ticket_service, key="open", personal=PersonalData(email="open@example.com"))
    closed = make(ticket_service, key="closed", personal=PersonalData(email="gone@example.com"), transcript="hi")
    ticket_service.add_note(closed.reference, "note with data", author=ALICE)
    ticket_service.extend(closed.reference, "reason", actor=ALICE)
    ticket_service.transition(closed.reference, "withdrawn", actor="requester")
    assert ticket_service.anonymise_closed() == 0  # retention (730 days) not reached
    clock.advance(days=731)
    assert ticket_service.anonymise_closed() == 1
    assert ticket_service.anonymise_closed() == 0
    after = ticket_service.get_by_reference(closed.reference)
    assert not after.has_personal_data and not after.has_transcript and after.anonymised_at == clock.now
    assert ticket_service.find_by_email("gone@example.com") == []
    assert ticket_service.notes(closed.reference)[0].body is None
    assert ticket_service.extension_reason(closed.reference) is None
    assert ticket_service.reveal_personal_data(closed.reference, actor=ALICE, reason="legal_obligation").is_empty()
    assert ticket_service.get_by_reference(keep.reference).has_personal_data


# ------------------------------------------------------------------ keys


def test_rotate_keys_reencrypts_so_the_old_key_can_be_dropped(ticket_service, database, keys, clock):
    personal = PersonalData(email="rot@example.com")
    ticket = make(ticket_service, personal=personal, transcript="t")
    ticket_service.add_note(ticket.reference, "n", author=ALICE)
    new_key = generate_key()
    rotating = TicketService(database, DataCipher([new_key, *keys.data_keys]), keys.indexer(), clock=clock)
    report = rotating.rotate_keys()
    assert report.tickets == 1 and report.notes == 1
    only_new = TicketService(database, DataCipher([new_key]), keys.indexer(), clock=clock)
    only_new.verify_keys()
    assert only_new.reveal_personal_data(ticket.reference, actor=ALICE, reason="fulfil_request") == personal
    assert only_new.notes(ticket.reference)[0].body == "n" and only_new.transcript(ticket.reference) == "t"


def test_wrong_key_is_a_clear_startup_error(ticket_service, database, keys):
    make(ticket_service, personal=PersonalData(email="x@example.com"))
    stranger = TicketService(database, DataCipher([generate_key()]), keys.indexer())
    with pytest.raises(DecryptionError, match="DATA_KEYS"):
        stranger.verify_keys()


def test_tampered_ciphertext_is_detected(ticket_service, database):
    ticket = make(ticket_service, personal=PersonalData(email="x@example.com"))
    with database.engine.begin() as connection:
        token = bytearray(connection.execute(select(Ticket.personal_ct)).scalar_one())
        token[-5] ^= 0x01
        connection.execute(Ticket.__table__.update().values(personal_ct=bytes(token)))
    with pytest.raises(DecryptionError):
        ticket_service.reveal_personal_data(ticket.reference, actor=ALICE, reason="fulfil_request")


def test_audit_events_are_append_only_in_the_database(ticket_service, database):
    make(ticket_service)
    for statement in ("UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"), database.engine.begin() as connection:
            connection.execute(text(statement))
    with database.engine.connect() as connection:
        assert connection.execute(select(func.count(AuditEvent.id))).scalar_one() == 1


def test_reassign_overrides_the_holder_and_is_audited(ticket_service):
    ticket = make(ticket_service)
    ticket_service.claim(ticket.reference, agent=ALICE)
    moved = ticket_service.reassign(ticket.reference, to_agent=BOB, actor="admin:root")
    assert moved.assignee == BOB
    back = ticket_service.reassign(ticket.reference, to_agent=None, actor="admin:root", expected_version=moved.version)
    assert back.assignee is None and back.claimed_at is None
    events = ticket_service.history(ticket.reference)[-3:]
    assert [(e.action, e.actor, e.reason_code) for e in events] == [
        (AuditAction.RELEASED, "admin:root", "reassigned"),
        (AuditAction.CLAIMED, "admin:root", "reassigned"),
        (AuditAction.RELEASED, "admin:root", "reassigned"),
    ]
    ticket_service.transition(ticket.reference, "withdrawn", actor="requester")
    with pytest.raises(InvalidTransition):
        ticket_service.reassign(ticket.reference, to_agent=BOB, actor="admin:root")


def test_retention_run_and_key_rotation_leave_system_audit_events(ticket_service):
    ticket = make(ticket_service)
    ticket_service.record_retention_run({"c": 3, "e": 41, "t": 2}, actor="system:retention")
    ticket_service.rotate_keys()
    log = ticket_service.audit_log(limit=10)
    assert [(e.action, e.reference, e.reason_code) for e in log] == [
        (AuditAction.KEYS_ROTATED, None, None),
        (AuditAction.RETENTION_RUN, None, "purge.c3.e41.t2"),
        (AuditAction.CREATED, ticket.reference, None),
    ]
    assert [e.id for e in ticket_service.audit_log(limit=1, before_id=log[0].id)] == [log[1].id]
    with pytest.raises(InvalidField):
        ticket_service.record_retention_run({"Bob Smith": 1})
