"""Forms that listen: the validation actions on messages that say more than the answer.

Corrections, a change of mind confirmed once, values in the opening sentence, a
reference the NLU took for "never mind", a free-text answer it took for a question, and
a question right after a form opened (an offer, not a trap).  Real services (SQLite
ticket store, codes in the outbox) via the autouse fixtures in conftest.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions import names
from actions.privacy_requests import messages
from actions.privacy_requests.cancel import ActionCancelRequest, ActionStrayInput
from actions.privacy_requests.listening import ActionBackToRequest
from actions.privacy_requests.parental_validation import ValidateParentalForm
from actions.privacy_requests.request_validation import ValidateRequestForm
from actions.privacy_requests.status_validation import ValidateStatusForm
from actions.privacy_requests.switching import ActionAskSwitchConfirmed
from bot.requests import flows
from tests.unit.requests.support import build_tracker, run_action, slotsets

IDENTITY = {"request_kind": "deletion", "full_name": "Bruno Demo", "email": "bruno.demo@exmaple.com"}


def texts(sent: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in sent)


def conversation(
    turns: List[Dict[str, Any]],
    *,
    form: str,
    slots: Dict[str, Any],
    text: str,
    intent: str,
    after: Optional[List[str]] = None,
) -> Tracker:
    """A tracker with the form opened on the first turn, then ``turns`` and the latest message.

    ``after``: actions run after the latest message (e.g. a policy answer) before this run of the form.
    """
    events: List[Dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    for index, turn in enumerate(turns):
        events.append(
            {
                "event": "user",
                "text": turn["text"],
                "parse_data": {"intent": {"name": turn["intent"]}},
                "input_channel": "rest",
            }
        )
        if index == 0:
            events += [{"event": "action", "name": form}, {"event": "active_loop", "name": form}]
        else:
            events.append({"event": "action", "name": form})
        events.append({"event": "action", "name": "action_listen"})
    events.append({"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "input_channel": "rest"})
    events += [{"event": "action", "name": name} for name in (after or [])]
    return Tracker.from_dict(
        {
            "sender_id": "listening-test",
            "slots": dict(slots),
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": [],
                "intent_ranking": [{"name": intent, "confidence": 0.9}],
                "metadata": {},
            },
            "events": events,
            "active_loop": {"name": form},
            "paused": False,
            "followup_action": None,
            "latest_event_time": None,
            "latest_action_name": (after or ["action_listen"])[-1],
        }
    )


# --------------------------------------------------------------------------- corrections


async def test_x_is_wrong_its_y_replaces_the_earlier_email_and_goes_back_to_the_question():
    text = "oops my email is wrong, it's bruno.demo@example.com"
    tracker = build_tracker(text, "change_field", slots={**IDENTITY, "requested_slot": "phone", "phone": text})
    events, sent = await run_action(ValidateRequestForm(), tracker)
    values = slotsets(events)
    assert values["email"] == "bruno.demo@example.com"
    assert values["phone"] is None and values["requested_slot"] == "phone"
    assert "changed" in texts(sent) and "@ sign" not in texts(sent)


async def test_a_correction_without_the_new_value_asks_for_that_field_again():
    tracker = build_tracker(
        "my email is wrong", "change_field", slots={**IDENTITY, "requested_slot": "phone", "phone": "my email is wrong"}
    )
    events, _ = await run_action(ValidateRequestForm(), tracker)
    values = slotsets(events)
    assert values["email"] is None and values["requested_slot"] == "email"


async def test_a_corrected_name_is_checked_by_the_name_validator():
    text = "typo in my name, should be Bruno Démo"
    tracker = build_tracker(text, "change_field", slots={**IDENTITY, "requested_slot": "phone", "phone": text})
    events, _ = await run_action(ValidateRequestForm(), tracker)
    assert slotsets(events)["full_name"] == "Bruno Démo"


async def test_a_correction_at_the_summary_takes_the_new_value_and_shows_the_summary_again():
    text = "my email is wrong, it's bruno.demo@example.com"
    slots = {
        **IDENTITY,
        "phone": flows.SKIPPED,
        "date_of_birth": "1990-03-04",
        "identifier": "10022",
        "requested_slot": "request_confirmed",
        "request_confirmed": text,
    }
    events, _ = await run_action(ValidateRequestForm(), build_tracker(text, "change_field", slots=slots))
    values = slotsets(events)
    assert values["email"] == "bruno.demo@example.com"
    assert values["request_confirmed"] is None and values["requested_slot"] == "request_confirmed"


# --------------------------------------------------------------------------- change of mind


async def test_a_change_of_mind_is_asked_once_then_switches_keeping_the_identity_details():
    text = "actually I changed my mind, I'd rather just delete my data instead"
    slots = {
        "request_kind": "access",
        "access_scope": "specific",
        "full_name": "Bruno Demo",
        "requested_slot": "email",
        "email": text,
    }
    events, sent = await run_action(ValidateRequestForm(), build_tracker(text, "request_deletion", slots=slots))
    values = slotsets(events)
    assert values["pending_switch"] == "deletion" and values["email"] is None
    assert values["requested_slot"] == "switch_confirmed"
    assert "@" not in texts(sent)  # no e-mail complaint about a change of mind

    asked = {**slots, "email": None, "pending_switch": "deletion", "requested_slot": "switch_confirmed"}
    _, question = await run_action(ActionAskSwitchConfirmed(), build_tracker(text, "request_deletion", slots=asked))
    assert "delete your personal information instead" in texts(question)
    assert [b["payload"] for b in question[0]["buttons"]] == ["yes", "no"]

    events, sent = await run_action(
        ValidateRequestForm(), build_tracker("yes", "affirm", slots={**asked, "switch_confirmed": "yes"})
    )
    values = slotsets(events)
    assert values["request_kind"] == "deletion" and values["access_scope"] is None
    assert values["pending_switch"] is None and values["requested_slot"] == "email"
    assert "changed this to a request to delete" in texts(sent)


async def test_a_change_of_mind_turned_down_carries_on_where_the_user_was():
    slots = {
        "request_kind": "stop_using",
        "pending_switch": "deletion",
        "requested_slot": "switch_confirmed",
        "switch_confirmed": "no",
    }
    events, sent = await run_action(ValidateRequestForm(), build_tracker("no", "deny", slots=slots))
    values = slotsets(events)
    assert values["pending_switch"] is None and values["requested_slot"] == "stop_scope"
    assert "carry on" in texts(sent)


async def test_a_switch_to_a_child_request_ends_this_form_for_the_parental_one():
    slots = {
        "request_kind": "deletion",
        "pending_switch": "parental",
        "requested_slot": "switch_confirmed",
        "switch_confirmed": "yes",
    }
    events, _ = await run_action(ValidateRequestForm(), build_tracker("yes", "affirm", slots=slots))
    assert slotsets(events)["request_outcome"] == "switch_parental"


async def test_an_ordinary_answer_naming_the_same_kind_is_no_change_of_mind():
    slots = {
        "request_kind": "correction",
        "requested_slot": "correction_what",
        "correction_what": "my address is outdated, please update it",
    }
    events, _ = await run_action(
        ValidateRequestForm(),
        build_tracker("my address is outdated, please update it", "request_correction", slots=slots),
    )
    values = slotsets(events)
    assert values.get("pending_switch") is None and values["correction_what"]


# --------------------------------------------------------------------------- values from anywhere


async def test_a_parent_first_message_fills_the_relationship_and_the_child_age():
    text = "my son, he is 11, made an account, delete it"
    tracker = build_tracker(
        text, "request_parental_deletion", slots={"requested_slot": None}, active_loop="parental_form"
    )
    events, _ = await run_action(ValidateParentalForm(), tracker)
    values = slotsets(events)
    assert values["relationship"] == "parent" and values["child_age"] == 11.0
    # The parental fields are the domain's list, so Rasa asks the next missing one (the parent's name).
    assert values.get("requested_slot") in (None, "parent_name")


async def test_an_email_in_the_opening_sentence_is_taken():
    tracker = build_tracker(
        "please delete my data, my email is ada.demo@example.com",
        "request_deletion",
        slots={"requested_slot": None, "request_kind": None},
    )
    values = slotsets((await run_action(ValidateRequestForm(), tracker))[0])
    assert values["request_kind"] == "deletion" and values["email"] == "ada.demo@example.com"
    assert values["requested_slot"] == "full_name"


async def test_a_reference_in_the_first_message_starts_the_status_check_with_it():
    tracker = build_tracker(
        "any news on pd ym24 hrxt?", "check_status", slots={"requested_slot": None}, active_loop="status_form"
    )
    values = slotsets((await run_action(ValidateStatusForm(), tracker))[0])
    assert values["status_reference"] == "PD-YM24-HRXT"


async def test_a_reference_read_aloud_on_the_phone_starts_the_status_check_with_it():
    tracker = build_tracker(
        "p d y m two four dash h r x t where are we with that",
        "inform",
        slots={"requested_slot": None},
        active_loop="status_form",
    )
    values = slotsets((await run_action(ValidateStatusForm(), tracker))[0])
    assert values["status_reference"] == "PD-YM24-HRXT"


async def test_a_reference_and_an_email_in_the_first_message_start_the_check_with_both():
    tracker = build_tracker(
        "any news on PD-YM24-HRXT? my email is ada.demo@example.com",
        "check_status",
        slots={"requested_slot": None},
        active_loop="status_form",
    )
    events, sent = await run_action(ValidateStatusForm(), tracker)
    values = slotsets(events)
    assert values["status_reference"] == "PD-YM24-HRXT" and values["status_contact"] == "ada.demo@example.com"
    assert values["challenge_id"] and "6-digit code" in texts(sent)


async def test_a_reference_the_nlu_took_for_never_mind_is_still_the_reference():
    tracker = build_tracker(
        "it's PD-YM24-HRXT", "cancel_request", slots={"requested_slot": "status_reference"}, active_loop="status_form"
    )
    events, sent = await run_action(ValidateStatusForm(), tracker)
    values = slotsets(events)
    assert values["status_reference"] == "PD-YM24-HRXT" and "status_code" not in values
    assert "stopped" not in texts(sent) and "Nothing was filed" not in texts(sent)


async def test_a_reference_inside_a_sentence_is_accepted_at_the_prompt():
    text = "my reference is PD-YM24-HRXT"
    tracker = build_tracker(
        text,
        "inform",
        slots={"requested_slot": "status_reference", "status_reference": text},
        active_loop="status_form",
    )
    values = slotsets((await run_action(ValidateStatusForm(), tracker))[0])
    assert values["status_reference"] == "PD-YM24-HRXT"


async def test_a_free_text_answer_the_nlu_took_for_a_policy_question_is_the_answer():
    text = "my order history and whatever you got from phone calls"
    slots = {"request_kind": "access", "access_scope": "specific", "requested_slot": "access_details"}
    values = slotsets((await run_action(ValidateRequestForm(), build_tracker(text, "ask_policy", slots=slots)))[0])
    assert values["access_details"] == text and values["requested_slot"] == "full_name"


async def test_a_real_question_at_a_free_text_prompt_is_left_to_the_policy_answer():
    slots = {"request_kind": "access", "access_scope": "specific", "requested_slot": "access_details"}
    events, _ = await run_action(
        ValidateRequestForm(), build_tracker("do you keep my call recordings?", "ask_policy", slots=slots)
    )
    assert "access_details" not in slotsets(events)


# --------------------------------------------------------------------------- questions mid-form

OPENED = [{"text": "can I get a copy of everything you know about me", "intent": "request_access"}]
QUESTION = "does the app have access to my camera?"


async def test_a_question_right_after_the_form_opened_gets_an_offer_and_ends_the_form():
    slots = {"request_kind": "access", "requested_slot": "access_scope"}
    before = conversation(
        OPENED,
        form="request_form",
        slots=slots,
        text=QUESTION,
        intent="ask_policy",
        after=["action_answer_policy_question"],
    )
    _, sent = await run_action(ActionBackToRequest(), before)
    assert "Now, back to your request" not in texts(sent)
    assert sent[0]["buttons"] == [{"title": "See my data", "payload": "I want to see my data"}]

    form_run = conversation(
        OPENED,
        form="request_form",
        slots=slots,
        text=QUESTION,
        intent="ask_policy",
        after=["action_answer_policy_question", "action_back_to_request", "request_form"],
    )
    values = slotsets((await run_action(ValidateRequestForm(), form_run))[0])
    assert values["request_outcome"] == "offered" and values["requested_slot"] is None
    assert values["request_kind"] is None


async def test_a_question_while_filing_is_answered_and_the_form_goes_on():
    turns = [*OPENED, {"text": "the categories", "intent": "inform"}]
    slots = {"request_kind": "access", "access_scope": "categories", "requested_slot": "full_name"}
    before = conversation(
        turns,
        form="request_form",
        slots=slots,
        text=QUESTION,
        intent="ask_policy",
        after=["action_answer_policy_question"],
    )
    _, sent = await run_action(ActionBackToRequest(), before)
    assert sent == [{"response": names.UTTER_BACK_TO_REQUEST, **{k: v for k, v in sent[0].items() if k != "response"}}]

    form_run = conversation(
        turns,
        form="request_form",
        slots=slots,
        text=QUESTION,
        intent="ask_policy",
        after=["action_answer_policy_question", "action_back_to_request", "request_form"],
    )
    values = slotsets((await run_action(ValidateRequestForm(), form_run))[0])
    assert values.get("request_outcome") is None and values["requested_slot"] == "full_name"


# --------------------------------------------------------------------------- leaving, stray input


async def test_leaving_a_status_check_never_claims_nothing_was_filed():
    tracker = build_tracker(
        "never mind", "cancel_request", slots={"requested_slot": "status_reference"}, active_loop="status_form"
    )
    _, sent = await run_action(ActionCancelRequest(), tracker)
    assert "Nothing was filed" not in texts(sent) and texts(sent) == messages.STATUS_CHECK_STOPPED


async def test_a_reference_typed_outside_a_form_starts_the_status_check():
    tracker = build_tracker("my reference is PD-YM24-HRXT", "inform", slots={"requested_slot": None}, active_loop=None)
    events, sent = await run_action(ActionStrayInput(), tracker)
    assert {"event": "followup", "name": "status_form"} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert sent == []


def test_the_change_of_mind_question_has_its_validator_while_a_switch_is_pending():
    tracker = build_tracker(
        "yes",
        "affirm",
        slots={"request_kind": "access", "pending_switch": "deletion", "requested_slot": "switch_confirmed"},
    )
    form = ValidateRequestForm()
    assert form.fields(tracker)[0] == "switch_confirmed" and form.missing_validators(tracker) == []


async def test_a_choice_the_nlu_took_for_a_policy_question_is_still_the_choice():
    slots = {"request_kind": "access", "requested_slot": "access_scope"}
    values = slotsets(
        (
            await run_action(
                ValidateRequestForm(),
                build_tracker("what kinds of information you have on me", "ask_policy", slots=slots),
            )
        )[0]
    )
    assert values["access_scope"] == "categories" and values["requested_slot"] == "full_name"


async def test_a_change_of_mind_during_a_status_check_starts_the_request_asked_for():
    from actions.privacy_requests.status import ActionReportStatus

    text = "actually I'd rather just delete my data instead"
    tracker = build_tracker(
        text,
        "request_deletion",
        active_loop="status_form",
        slots={"requested_slot": "status_reference", "status_reference": text},
    )
    values = slotsets((await run_action(ValidateStatusForm(), tracker))[0])
    assert values["request_outcome"] == "switch_request" and values["requested_slot"] is None

    after = build_tracker(text, "request_deletion", active_loop=None, slots={"request_outcome": "switch_request"})
    events, sent = await run_action(ActionReportStatus(), after)
    assert any(e.get("event") == "followup" and e.get("name") == "request_form" for e in events)
    assert "Nothing was filed" not in texts(sent)


async def test_a_reference_during_a_status_check_is_no_change_of_mind():
    text = "I want to know about my deletion request PD-YM24-HRXT"
    tracker = build_tracker(
        text,
        "request_deletion",
        active_loop="status_form",
        slots={"requested_slot": "status_reference", "status_reference": text},
    )
    values = slotsets((await run_action(ValidateStatusForm(), tracker))[0])
    assert values["status_reference"] == "PD-YM24-HRXT" and values.get("request_outcome") is None
