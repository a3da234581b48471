"""The request flows' domain: which questions each kind asks, and filing only verified requests."""

from __future__ import annotations

from datetime import date

import pytest

from bot.requests import flows
from bot.requests.filing import Failure, submit_parental_request, submit_request
from bot.tickets import Kind, Priority, RevealReason, Status

ADA = {
    "full_name": "Ada Demo",
    "email": "ada.demo@example.com",
    "phone": flows.SKIPPED,
    "date_of_birth": "1985-12-10",
    "identifier": "10022",
}


def verified_challenge(backend, email="ada.demo@example.com"):
    started = backend.verification.start_contact_check("email", email)
    assert started.sent
    assert backend.verification.check_code(started.challenge_id, backend.last_code(email)).value == "ok"
    return started.challenge_id


def submit(backend, values, challenge_id, conversation_id="conv-1", form_run="run-1"):
    return submit_request(
        values,
        conversation_id=conversation_id,
        channel="web",
        challenge_id=challenge_id,
        tickets=backend.tickets,
        verification=backend.verification,
        form_run=form_run,
    )


# --------------------------------------------------------------------------- questions per kind


def test_each_kind_asks_its_own_details_then_identity_summary_and_code():
    assert flows.required_fields("deletion") == [
        "request_kind",
        "full_name",
        "email",
        "phone",
        "date_of_birth",
        "identifier",
        "request_confirmed",
        "verification_code",
    ]
    assert flows.required_fields("correction")[1:3] == ["correction_what", "correction_value"]
    assert flows.required_fields("stop_using")[1] == "stop_scope"
    assert flows.required_fields("access", None)[:2] == ["request_kind", "access_scope"]
    specific = flows.required_fields("access", "specific")
    assert "access_details" in specific and "declaration" in specific
    assert "declaration" not in flows.required_fields("access", "categories")
    assert flows.required_fields(None) == ["request_kind"]


def test_deletion_and_stopping_all_use_cancel_the_registration_marketing_does_not():
    assert flows.cancels_registration("deletion")
    assert flows.cancels_registration("stop_using", "all")
    assert not flows.cancels_registration("stop_using", "marketing")
    assert not flows.cancels_registration("access")


@pytest.mark.parametrize(
    "text, kind",
    [
        ("delete my data", "deletion"),
        ("please erase everything", "deletion"),
        ("I want a copy of my data", "access"),
        ("what data do you have on me", "access"),
        ("my address is wrong", "correction"),
        ("stop sending me marketing", "stop_using"),
        ("unsubscribe", "stop_using"),
        ("hello", None),
    ],
)
def test_kind_from_text(text, kind):
    assert flows.kind_from_text(text) == kind


@pytest.mark.parametrize(
    "text, field",
    [
        ("change my email", "email"),
        ("the date of birth is wrong", "date_of_birth"),
        ("fix my name", "full_name"),
        ("edit phone", "phone"),
        ("change the postal code", "identifier"),
        ("yes that's all correct", None),
    ],
)
def test_field_to_change(text, field):
    assert flows.field_to_change(text, flows.required_fields("deletion")) == field


def test_summary_shows_what_was_asked_in_words():
    values = dict(ADA, request_kind="deletion")
    lines = flows.summary_lines(flows.required_fields("deletion"), values)
    assert "- Request: delete your personal information" in lines
    assert "- Date of birth: 10 December 1985" in lines
    assert "- Phone: (skipped)" in lines


def test_idempotency_key_is_stable_per_form_run_and_new_without_one():
    run = flows.new_form_run()
    a = flows.idempotency_key("c1", "deletion", run)
    assert a == flows.idempotency_key("c1", "deletion", run)
    assert a != flows.idempotency_key("c2", "deletion", run)
    assert a != flows.idempotency_key("c1", "deletion", flows.new_form_run())
    assert flows.idempotency_key("c1", "deletion", None) != flows.idempotency_key("c1", "deletion", None)
    assert len(a) <= 200 and a[len("req:") :].isalnum()  # a digest: no conversation id in it


# --------------------------------------------------------------------------- submitting


def test_verified_deletion_becomes_a_verified_ticket_with_reasonable_level_and_due_date(backend):
    challenge = verified_challenge(backend)
    outcome = submit(backend, dict(ADA, request_kind="deletion"), challenge)
    assert outcome.ok and outcome.created
    ticket = backend.tickets.get_by_reference(outcome.reference)
    assert ticket.kind is Kind.DELETION and ticket.status is Status.VERIFIED
    assert ticket.verification.level.value == "reasonable"
    assert outcome.due_date == ticket.respond_by and outcome.due_date > date.today()
    assert set(outcome.matched_points) >= {"email", "full_name", "date_of_birth", "postal_code"}


def test_retried_submit_in_one_form_run_returns_the_same_ticket(backend):
    challenge = verified_challenge(backend)
    first = submit(backend, dict(ADA, request_kind="deletion"), challenge)
    second = submit(backend, dict(ADA, request_kind="deletion"), challenge)
    assert second.ok and not second.created and second.reference == first.reference


def test_without_a_confirmed_code_nothing_is_filed(backend):
    started = backend.verification.start_contact_check("email", "ada.demo@example.com")
    outcome = submit(backend, dict(ADA, request_kind="deletion"), started.challenge_id)
    assert not outcome.ok and outcome.failure is Failure.NOT_VERIFIED
    assert backend.tickets.list_queue().total == 0


def test_code_confirmed_for_another_address_does_not_count(backend):
    challenge = verified_challenge(backend, "bruno.demo@example.com")
    outcome = submit(backend, dict(ADA, request_kind="deletion"), challenge)
    assert outcome.failure is Failure.NOT_VERIFIED


def test_unmatched_person_with_a_confirmed_contact_is_filed_for_a_person_to_verify(backend):
    values = {
        "request_kind": "deletion",
        "full_name": "Nobody Known",
        "email": "nobody@example.com",
        "date_of_birth": "1970-01-01",
        "phone": flows.SKIPPED,
        "identifier": flows.SKIPPED,
    }
    challenge = verified_challenge(backend, "nobody@example.com")
    outcome = submit(backend, values, challenge)
    assert outcome.ok and outcome.status == "awaiting_verification" and outcome.level == "none" and outcome.explanation
    [ticket] = backend.tickets.list_queue().items
    assert ticket.status.value == "awaiting_verification" and ticket.verified_at is None
    assert ticket.verification.method.value == "email_code"
    personal = backend.tickets.reveal_personal_data(ticket.reference, actor="test", reason=RevealReason.VERIFY_IDENTITY)
    assert personal.email == "nobody@example.com" and "NOT VERIFIED" in personal.details


def test_details_that_do_not_match_the_record_do_not_lose_the_request(backend):
    typos = dict(ADA, request_kind="deletion", full_name="Ada Demmo", date_of_birth="1901-01-01", identifier="99999")
    outcome = submit(backend, typos, verified_challenge(backend))
    assert outcome.ok and outcome.status == "awaiting_verification"
    assert backend.tickets.list_queue().items[0].status.value == "awaiting_verification"


def test_access_to_specific_pieces_with_declaration_is_high(backend):
    values = dict(
        ADA, request_kind="access", access_scope="specific", access_details="my order history", declaration="yes"
    )
    outcome = submit(backend, values, verified_challenge(backend))
    assert outcome.ok and outcome.level == "high" and not outcome.downgraded


def test_access_to_specific_pieces_without_declaration_is_filed_as_categories(backend):
    values = dict(ADA, request_kind="access", access_scope="specific", access_details="my order history")
    outcome = submit(backend, values, verified_challenge(backend))
    assert outcome.ok and outcome.downgraded and outcome.level == "reasonable"


def test_correction_to_another_persons_email_is_flagged_for_the_agent(backend):
    values = dict(
        ADA, request_kind="correction", correction_what="my e-mail address", correction_value="bruno.demo@example.com"
    )
    outcome = submit(backend, values, verified_challenge(backend))
    assert outcome.ok and outcome.flagged
    details = backend.tickets.reveal_personal_data(outcome.reference, actor="test", reason="quality_review").details
    assert "FLAG" in details and "another customer record" in details


def test_correction_of_a_name_is_not_flagged(backend):
    values = dict(ADA, request_kind="correction", correction_what="my surname", correction_value="Demo-Smith")
    outcome = submit(backend, values, verified_challenge(backend))
    assert outcome.ok and not outcome.flagged


def test_incomplete_values_are_invalid(backend):
    outcome = submit(backend, {"request_kind": "deletion"}, "x")
    assert outcome.failure is Failure.INVALID


def test_ticket_store_failure_is_reported_not_confirmed(backend):
    challenge = verified_challenge(backend)

    class Broken:
        def create(self, **_):
            raise RuntimeError("database is down")

    outcome = submit_request(
        dict(ADA, request_kind="deletion"),
        conversation_id="c",
        channel="web",
        challenge_id=challenge,
        tickets=Broken(),
        verification=backend.verification,
    )
    assert not outcome.ok and outcome.failure is Failure.UNAVAILABLE and outcome.reference is None


PARENT = {
    "parent_name": "Pat Demo",
    "parent_contact": "pat.demo@example.com",
    "relationship": "mother",
    "child_name": "Finn Demo",
    "child_account": "finn.demo@example.com",
    "child_age": 11,
}


def test_parental_deletion_waits_for_documents_with_high_priority(backend):
    challenge = verified_challenge(backend, "pat.demo@example.com")
    outcome = submit_parental_request(
        PARENT,
        conversation_id="p1",
        channel="sms",
        challenge_id=challenge,
        tickets=backend.tickets,
        verification=backend.verification,
    )
    assert outcome.ok
    ticket = backend.tickets.get_by_reference(outcome.reference)
    assert ticket.kind is Kind.PARENTAL_DELETION and ticket.status is Status.AWAITING_DOCUMENTS
    assert ticket.priority is Priority.HIGH
    data = backend.tickets.reveal_personal_data(outcome.reference, actor="test", reason="quality_review")
    assert data.child_name == "Finn Demo" and data.account_id == "finn.demo@example.com"


def test_parental_deletion_without_confirmed_contact_is_not_filed(backend):
    outcome = submit_parental_request(
        PARENT,
        conversation_id="p1",
        channel="web",
        challenge_id=None,
        tickets=backend.tickets,
        verification=backend.verification,
    )
    assert outcome.failure is Failure.NOT_VERIFIED
