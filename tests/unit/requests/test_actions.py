"""The request actions, run as rasa_sdk runs them: a Tracker in, events and messages out.

The domain services are real (SQLite ticket store, verification with codes in
the local outbox, the demo customer directory); only the Rasa server is absent.
"""

from __future__ import annotations

from typing import Any, Dict

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.privacy_requests import messages
from actions.privacy_requests.asks import ActionAskDateOfBirth, ActionAskRequestConfirmed
from actions.privacy_requests.cancel import ActionCancelRequest, ActionStrayInput
from actions.privacy_requests.escalation import ActionEscalate
from actions.privacy_requests.parental_validation import ValidateParentalForm
from actions.privacy_requests.request_validation import ValidateRequestForm
from actions.privacy_requests.services import RequestServices, set_services
from actions.privacy_requests.status_validation import ValidateStatusForm
from actions.privacy_requests.submit import ActionSubmitRequest
from bot.requests import flows
from bot.tickets import Channel, Kind, PersonalData, Status
from tests.unit.requests.support import ADA_SLOTS, DOMAIN, run_action, slotsets, texts, tracker

run = run_action


# --------------------------------------------------------------------------- every validator exists and runs

SAMPLES = {
    "request_kind": "delete my data",
    "access_scope": "the categories",
    "access_details": "my order history",
    "correction_what": "my surname",
    "correction_value": "Demo-Smith",
    "stop_scope": "marketing only",
    "full_name": "Ada Demo",
    "email": "ada.demo@example.com",
    "phone": "202 555 0100",
    "date_of_birth": "December 10 1985",
    "identifier": "10022",
    "declaration": "I declare this is true",
    "parent_name": "Pat Demo",
    "parent_contact": "pat.demo@example.com",
    "relationship": "parent",
    "child_name": "Finn Demo",
    "child_account": "finn.demo@example.com",
    "child_age": "11",
    "status_reference": "PD-7K3D-9QXM",
    "status_contact": "ada.demo@example.com",
}
SKIP_RUN = {"request_confirmed", "parental_confirmed", "verification_code", "status_code"}  # exercised below with codes


@pytest.mark.parametrize(
    "form_action, slot_sets",
    [
        (ValidateRequestForm(), {"request_kind": k, "access_scope": s})
        for k in flows.REQUEST_KINDS
        for s in ("categories", "specific")
    ]
    + [(ValidateParentalForm(), {}), (ValidateStatusForm(), {})],
)
async def test_every_required_slot_has_a_validator_that_runs_and_accepts_a_good_value(form_action, slot_sets):
    t = tracker(slots=slot_sets)
    fields = form_action.fields(t)
    assert form_action.missing_validators(t) == []
    domain_required = DOMAIN["forms"][form_action.form_name()]["required_slots"]
    assert set(fields) <= set(domain_required)
    for slot in fields:
        if slot in SKIP_RUN:
            continue
        result = await getattr(form_action, f"validate_{slot}")(
            SAMPLES[slot], CollectingDispatcher(), tracker(slots=slot_sets), DOMAIN
        )
        assert result.get(slot) is not None, slot


def test_personal_slots_are_filled_only_from_text_inside_their_form_and_state_only_by_actions():
    slots = DOMAIN["slots"]
    for slot in flows.PERSONAL_FIELDS + ("request_kind", "request_confirmed", "parental_confirmed"):
        for mapping in slots[slot]["mappings"]:
            assert mapping["type"] == "from_text", slot
            assert all(c["active_loop"] and c["requested_slot"] == slot for c in mapping["conditions"]), slot
            assert "cancel_request" in mapping["not_intent"] and "talk_to_person" in mapping["not_intent"]
    for slot in (
        "verified",
        "verification_level",
        "challenge_id",
        "field_failures",
        "request_outcome",
        "last_reference",
        "dob_choices",
    ):
        assert slots[slot]["mappings"] == [{"type": "custom"}], slot


def test_every_rasa_name_exists_in_the_domain():
    known = (
        set(DOMAIN["intents"])
        | set(DOMAIN["slots"])
        | set(DOMAIN["actions"])
        | set(DOMAIN["responses"])
        | set(DOMAIN["forms"])
    )
    rasa_defaults = {"action_listen"}  # Rasa's own action, never declared in a domain
    constants = [value for key, value in vars(names).items() if key.isupper() and isinstance(value, str)]
    assert constants and [c for c in constants if c not in known | rasa_defaults] == []


# --------------------------------------------------------------------------- request form


async def test_activation_by_a_deletion_intent_sets_the_kind_and_asks_for_the_name():
    t = tracker("I want to delete my data", "request_deletion", slots={"requested_slot": None, "request_kind": None})
    events, _ = await run(ValidateRequestForm(), t)
    assert slotsets(events)["request_kind"] == "deletion"
    assert slotsets(events)["requested_slot"] == "full_name"


async def test_bad_email_gets_a_specific_reprompt_and_the_second_failure_offers_a_person():
    form = ValidateRequestForm()
    named = {"request_kind": "deletion", "full_name": "Jane Doe"}
    first_events, first = await run(
        form, tracker("jane.example.com", slots={**named, "requested_slot": "email", "email": "jane.example.com"})
    )
    assert slotsets(first_events)["email"] is None and "@ sign" in texts(first)
    assert not first[0].get("buttons")
    failures = slotsets(first_events)["field_failures"]
    second_events, second = await run(
        form,
        tracker(
            "jane@example",
            slots={**named, "requested_slot": "email", "email": "jane@example", "field_failures": failures},
        ),
    )
    assert "talk to a person" in texts(second) and second[0]["buttons"] == [messages.PERSON_BUTTON]
    assert slotsets(second_events)["requested_slot"] == "email"


async def test_ambiguous_date_of_birth_asks_which_reading_with_buttons():
    events, msgs = await run(
        ValidateRequestForm(),
        tracker("03/04/1990", slots={**ADA_SLOTS, "requested_slot": "date_of_birth", "date_of_birth": "03/04/1990"}),
    )
    sets = slotsets(events)
    assert sets["date_of_birth"] is None and sets["requested_slot"] == "date_of_birth" and msgs == []
    _, asked = await run(ActionAskDateOfBirth(), tracker(slots={"dob_choices": sets["dob_choices"]}))
    assert "Just to be sure" in texts(asked)
    assert [b["payload"] for b in asked[0]["buttons"]] == ["4 March 1990", "3 April 1990"]
    _, plain = await run(ActionAskDateOfBirth(), tracker())
    assert "What's your date of birth?" in texts(plain) and not plain[0]["buttons"]


async def test_date_of_birth_under_13_stops_and_drops_everything():
    events, _ = await run(
        ValidateRequestForm(),
        tracker("June 1 2015", slots={**ADA_SLOTS, "requested_slot": "date_of_birth", "date_of_birth": "June 1 2015"}),
    )
    sets = slotsets(events)
    assert sets["request_outcome"] == "child" and sets["requested_slot"] is None
    assert sets["email"] is None and sets["full_name"] is None and sets["date_of_birth"] is None


async def test_saying_im_12_stops_the_form_at_once():
    events, _ = await run(
        ValidateRequestForm(), tracker("I'm 12", slots={**ADA_SLOTS, "requested_slot": "phone", "phone": "I'm 12"})
    )
    sets = slotsets(events)
    assert sets["request_outcome"] == "child" and sets["email"] is None


async def test_change_my_email_at_the_summary_clears_only_the_email():
    t = tracker(
        "change my email",
        "change_field",
        slots={**ADA_SLOTS, "requested_slot": "request_confirmed", "request_confirmed": "change my email"},
    )
    events, msgs = await run(ValidateRequestForm(), t)
    sets = slotsets(events)
    assert sets["email"] is None and sets["request_confirmed"] is None and sets["requested_slot"] == "email"
    assert "full_name" not in sets


async def test_summary_warns_that_deletion_cancels_the_registration():
    _, msgs = await run(
        ActionAskRequestConfirmed(), tracker(slots={**ADA_SLOTS, "requested_slot": "request_confirmed"})
    )
    text = texts(msgs)
    assert (
        "cancels your registration" in text
        and "- Name: Ada Demo" in text
        and "- Date of birth: 10 December 1985" in text
    )


async def test_summary_for_marketing_opt_out_has_no_cancellation_warning():
    slots = {
        **ADA_SLOTS,
        "request_kind": "stop_using",
        "stop_scope": "marketing",
        "requested_slot": "request_confirmed",
    }
    _, msgs = await run(ActionAskRequestConfirmed(), tracker(slots=slots))
    assert "cancels your registration" not in texts(msgs)


async def test_summary_of_a_correction_to_another_email_says_it_will_be_checked():
    slots = {
        **ADA_SLOTS,
        "request_kind": "correction",
        "correction_what": "my email",
        "correction_value": "bruno.demo@example.com",
    }
    _, msgs = await run(ActionAskRequestConfirmed(), tracker(slots=slots))
    assert "confirm that it's yours" in texts(msgs)


async def confirm_and_get_code(backend) -> Dict[str, Any]:
    t = tracker("yes", "affirm", slots={**ADA_SLOTS, "requested_slot": "request_confirmed", "request_confirmed": "yes"})
    events, msgs = await run(ValidateRequestForm(), t)
    sets = slotsets(events)
    assert sets["request_confirmed"] is True and sets["challenge_id"] and sets["requested_slot"] == "verification_code"
    assert "a***@example.com" in texts(msgs) and "ada.demo" not in texts(msgs)
    return {
        **ADA_SLOTS,
        "request_confirmed": True,
        "challenge_id": sets["challenge_id"],
        "requested_slot": "verification_code",
    }


async def test_confirming_sends_a_code_and_the_right_code_with_spaces_verifies(backend):
    slots = await confirm_and_get_code(backend)
    code = backend.last_code("ada.demo@example.com")
    spaced = f"{code[:3]} {code[3:]}"
    events, _ = await run(ValidateRequestForm(), tracker(spaced, slots={**slots, "verification_code": spaced}))
    sets = slotsets(events)
    assert sets["verification_code"] == "confirmed" and sets["verified"] is True and sets["requested_slot"] is None


async def test_wrong_codes_say_how_many_tries_are_left_then_lock(backend):
    slots = await confirm_and_get_code(backend)
    form = ValidateRequestForm()
    for attempt in range(4):
        events, msgs = await run(form, tracker("000000", slots={**slots, "verification_code": "000000"}))
        assert "isn't right" in texts(msgs) and f"{4 - attempt} tries left" in texts(msgs)
    events, _ = await run(form, tracker("000000", slots={**slots, "verification_code": "000000"}))
    assert slotsets(events)["request_outcome"] == "locked" and slotsets(events)["email"] is None


async def test_only_emoji_as_a_code_is_a_clear_reprompt_not_an_attempt(backend):
    slots = await confirm_and_get_code(backend)
    events, msgs = await run(ValidateRequestForm(), tracker("😀😀", slots={**slots, "verification_code": "😀😀"}))
    assert "6-digit code" in texts(msgs) and slotsets(events)["verification_code"] is None
    assert backend.verification.challenge(slots["challenge_id"]).attempts == 0


async def test_submit_files_a_verified_deletion_and_clears_the_personal_slots(backend):
    slots = await confirm_and_get_code(backend)
    started_code = backend.last_code("ada.demo@example.com")
    backend.verification.check_code(slots["challenge_id"], started_code)
    done = {**slots, "verification_code": "confirmed", "verified": True, "requested_slot": None}
    events, msgs = await run(ActionSubmitRequest(), tracker("123456", slots=done, active_loop=None))
    ticket = backend.tickets.list_queue().items[0]
    assert (
        ticket.kind is Kind.DELETION
        and ticket.status is Status.VERIFIED
        and ticket.verification.level.value == "reasonable"
    )
    text = texts(msgs)
    assert ticket.reference in text and "respond by" in text and "filed" in text
    sets = slotsets(events)
    assert sets["last_reference"] == ticket.reference
    assert all(sets[s] is None for s in ("email", "full_name", "date_of_birth", "challenge_id"))
    assert sets["verified"] is False  # back to its initial value


async def test_submit_without_a_passed_code_files_nothing(backend):
    slots = await confirm_and_get_code(backend)
    events, msgs = await run(
        ActionSubmitRequest(), tracker("x", slots={**slots, "verification_code": "confirmed"}, active_loop=None)
    )
    assert "NOT filed" in texts(msgs) and backend.tickets.list_queue().total == 0


async def test_database_failure_says_not_filed_and_never_confirms(backend):
    class Broken:
        def create(self, **_):
            raise OSError("disk gone")

    slots = await confirm_and_get_code(backend)
    backend.verification.check_code(slots["challenge_id"], backend.last_code("ada.demo@example.com"))
    set_services(RequestServices(Broken(), backend.verification, 2, None))
    events, msgs = await run(
        ActionSubmitRequest(), tracker("x", slots={**slots, "verification_code": "confirmed"}, active_loop=None)
    )
    assert "NOT filed" in texts(msgs) and "PD-" not in texts(msgs)
    assert slotsets(events)["email"] is None


async def test_child_outcome_explains_kindly_how_a_parent_can_act(backend):
    events, msgs = await run(ActionSubmitRequest(), tracker("x", slots={"request_outcome": "child"}, active_loop=None))
    assert "parent or guardian" in texts(msgs) and "delete my child's data" in texts(msgs)
    assert slotsets(events)["request_outcome"] is None and backend.tickets.list_queue().total == 0


# --------------------------------------------------------------------------- a person, leaving, stray input


async def test_talk_to_a_person_files_an_escalation_with_a_masked_transcript_and_leaves_the_form(backend):
    events_in = [{"event": "user", "text": "my email is ada.demo@example.com and I was born 10/12/1985"}]
    t = tracker("talk to a person", "talk_to_person", slots={**ADA_SLOTS}, events=events_in)
    events, msgs = await run(ActionEscalate(), t)
    ticket = backend.tickets.list_queue().items[0]
    assert ticket.kind is Kind.ESCALATION
    transcript = backend.tickets.transcript(ticket.reference)
    assert "ada.demo@example.com" not in transcript and "[email]" in transcript and "10/12/1985" not in transcript
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in events if e["event"] == "active_loop"
    ]
    assert ticket.reference in texts(msgs) and "business days" in texts(msgs) and "a***@example.com" in texts(msgs)
    assert slotsets(events)["email"] is None


async def test_never_mind_leaves_the_form_and_drops_the_details():
    events, msgs = await run(ActionCancelRequest(), tracker("never mind", "cancel_request", slots=ADA_SLOTS))
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    assert slotsets(events)["email"] is None and "Nothing was filed" in texts(msgs)
    assert "cancel" not in texts(msgs).lower().replace("cancels", "")


async def test_a_code_before_one_was_requested_gets_a_clear_answer():
    _, msgs = await run(ActionStrayInput(), tracker("123 456", active_loop=None))
    assert "haven't sent you a code" in texts(msgs)


async def test_garbage_outside_a_form_gets_the_options():
    _, msgs = await run(ActionStrayInput(), tracker("😀", active_loop=None))
    assert msgs[0]["response"] == names.UTTER_DEFAULT and msgs[0]["buttons"]


async def test_a_reference_in_the_opening_message_is_used_at_once(backend):
    ticket = backend.tickets.create(
        kind=Kind.DELETION,
        channel=Channel.WEB,
        idempotency_key="s3",
        personal=PersonalData(email="ada.demo@example.com"),
    ).ticket
    t = tracker(
        f"what's the status of {ticket.reference.lower()}?",
        "check_status",
        slots={"requested_slot": None},
        active_loop="status_form",
    )
    events, msgs = await run(ValidateStatusForm(), t)
    sets = slotsets(events)
    assert sets["status_reference"] == ticket.reference and "challenge_id" not in sets
    assert backend.outbox.latest(to="ada.demo@example.com") is None  # no code until the contact is given


@pytest.mark.parametrize("text", ["pd 7k3d 9qxm", "my reference is 7K3D9QXM"])
async def test_a_reference_outside_a_form_starts_the_status_check(text):
    events, msgs = await run(ActionStrayInput(), tracker(text, active_loop=None))
    assert msgs == [] and any(e.get("event") == "followup" and e.get("name") == names.FORM_STATUS for e in events)


async def test_eight_letters_out_of_the_blue_are_not_taken_for_a_reference():
    _, msgs = await run(ActionStrayInput(), tracker("asdfghjk", active_loop=None))
    assert msgs[0]["response"] == names.UTTER_DEFAULT


PURE_VALIDATORS = [
    (ValidateRequestForm(), s)
    for s in (
        "request_kind",
        "access_scope",
        "access_details",
        "correction_what",
        "correction_value",
        "stop_scope",
        "full_name",
        "email",
        "phone",
        "date_of_birth",
        "identifier",
        "declaration",
    )
] + [
    (ValidateParentalForm(), s)
    for s in ("parent_name", "parent_contact", "relationship", "child_name", "child_account", "child_age")
]


@pytest.mark.parametrize("form_action, slot", PURE_VALIDATORS, ids=[s for _, s in PURE_VALIDATORS])
@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=1200))
async def test_any_text_gets_a_value_or_a_specific_reprompt_never_an_exception(form_action, slot, text):
    dispatcher = CollectingDispatcher()
    result = await getattr(form_action, f"validate_{slot}")(text, dispatcher, tracker(text), DOMAIN)
    assert slot in result or result.get("request_outcome") or result.get("access_scope")
    if result.get(slot) is None and not result.get("request_outcome") and slot != "declaration":
        assert dispatcher.messages and all(m.get("text") for m in dispatcher.messages)
