"""Filing a request once its form is complete; the confirmation comes only from the ticket store's answer."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.privacy_requests import messages
from actions.privacy_requests.common import explain_outcome, slot_values, ticket_channel, wind_up
from actions.privacy_requests.notices import notice_line, queue_notice
from actions.privacy_requests.services import blocking, get_services
from bot.requests import filing, flows
from bot.requests.filing import Failure, SubmitOutcome

logger = logging.getLogger(__name__)

_NEXT_STEP = {
    "access": "Our privacy team will prepare your information and send it to the e-mail address you verified.",
    "correction": "Our privacy team will check and make the correction.",
    "deletion": "Our privacy team will delete your personal information and cancel your registration.",
    "stop_using": "Our privacy team will stop the use you asked about.",
}


def _next_step(outcome: SubmitOutcome) -> str:
    if outcome.kind == "access" and outcome.confirmed_via == "sms":
        # The code confirmed the phone, not the e-mail address: the team sends to the address on file.
        return "Our privacy team will prepare your information and send it to the e-mail address on your account."
    return _NEXT_STEP.get(outcome.kind, "Our privacy team will be in touch.")


def confirmation(outcome: SubmitOutcome, queued: Any = None) -> str:
    """What the user is told; a confirmation is mentioned only when one was queued (``queued``)."""
    text = _confirmation(outcome)
    sent = notice_line(queued)
    return f"{text}\n{sent}" if sent else text


def _confirmation(outcome: SubmitOutcome) -> str:
    if outcome.status == "awaiting_verification":
        how = "by text or phone at the number" if outcome.confirmed_via == "sms" else "by e-mail at the address"
        return "\n".join(
            [
                f"Your request is filed. Your reference is {outcome.reference} — please keep it; you'll need it to check the status.",
                "I couldn't match the details you gave with a customer record automatically, so a person on our privacy "
                f"team will check who you are before acting on it. They'll contact you {how} you just confirmed.",
                f"We'll respond by {outcome.due_text} at the latest.",
            ]
        )
    lines = [
        f"Your request is filed. Your reference is {outcome.reference} — please keep it; you'll need it to check the status.",
        _next_step(outcome),
        f"We'll respond by {outcome.due_text} at the latest.",
    ]
    if outcome.downgraded:
        lines.append(
            "As you didn't sign the declaration or we could only match two details, it's filed as a request for "
            "the categories of information we hold; for a copy of specific pieces, please talk to a person."
        )
    if outcome.flagged:
        lines.append(
            "Because the new e-mail address isn't the one you verified with, our team will confirm it's yours "
            "before changing anything."
        )
    return "\n".join(lines)


def failure_text(outcome: SubmitOutcome) -> str:
    if outcome.failure is Failure.NOT_VERIFIED:
        return (
            "I couldn't confirm your contact details with a code, so your request was NOT filed. "
            f"You can start again at any time. {messages.OTHER_WAYS}"
        )
    if outcome.failure is Failure.INVALID:
        return "Sorry, some details were missing, so nothing was filed. Please start again. " + messages.OTHER_WAYS
    return messages.NOT_FILED_UNAVAILABLE


async def _file(
    submit: Callable[..., SubmitOutcome], values: Dict[str, Any], tracker: Tracker, kind: str
) -> Tuple[Any, SubmitOutcome]:
    """The services and what ``submit`` answered, off the event loop; any error is "unavailable", never "filed"."""
    try:
        services = await get_services()
        outcome = await blocking(
            submit,
            values,
            conversation_id=tracker.sender_id,
            channel=ticket_channel(tracker),
            challenge_id=tracker.get_slot(names.SLOT_CHALLENGE_ID),
            tickets=services.tickets,
            verification=services.verification,
            form_run=tracker.get_slot(names.SLOT_FORM_RUN),
        )
    except Exception as exc:  # noqa: BLE001 - never a false confirmation
        logger.error("%s submission failed: %s", kind or "request", type(exc).__name__)
        return None, SubmitOutcome(ok=False, kind=kind, failure=Failure.UNAVAILABLE)
    return services, outcome


class ActionSubmitRequest(Action):
    """After ``request_form``: file the request (or explain why the form ended early), then drop the data."""

    def name(self) -> Text:
        return names.ACTION_SUBMIT_REQUEST

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        outcome_slot = tracker.get_slot(names.SLOT_REQUEST_OUTCOME)
        if explain_outcome(outcome_slot, dispatcher):
            if outcome_slot == "switch_parental":
                dispatcher.utter_message(text="I can help a parent or guardian with a child's data.")
                return [*wind_up(), FollowupAction(names.FORM_PARENTAL)]
            return wind_up()
        kind = tracker.get_slot(names.SLOT_REQUEST_KIND)
        values = slot_values(tracker, flows.required_fields(kind, tracker.get_slot(names.SLOT_ACCESS_SCOPE)))
        services, outcome = await _file(filing.submit_request, values, tracker, str(kind or ""))
        if outcome.ok:
            queued = await queue_notice(services, outcome.reference, "filed")
            dispatcher.utter_message(text=confirmation(outcome, queued))
            return [*wind_up(), SlotSet(names.SLOT_LAST_REFERENCE, outcome.reference)]
        buttons = [messages.PERSON_BUTTON] if outcome.failure is not Failure.UNAVAILABLE else []
        dispatcher.utter_message(text=failure_text(outcome), buttons=buttons)
        return wind_up()


class ActionSubmitParentalRequest(Action):
    """After ``parental_form``: file it awaiting documents (high priority) and explain the proof to send."""

    def name(self) -> Text:
        return names.ACTION_SUBMIT_PARENTAL_REQUEST

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if explain_outcome(tracker.get_slot(names.SLOT_REQUEST_OUTCOME), dispatcher):
            return wind_up()
        values = slot_values(tracker, flows.parental_fields())
        services, outcome = await _file(filing.submit_parental_request, values, tracker, "parental_deletion")
        if outcome.ok and outcome.reference is not None:
            queued = await queue_notice(services, outcome.reference, "documents")
            sent = notice_line(queued, "the list of documents to send, with your reference,")
            dispatcher.utter_message(
                text=(
                    f"Thank you. Your request is filed. Your reference is {outcome.reference} — please keep it.\n"
                    + messages.parental_proof(outcome.reference)
                    + f"\nWe'll respond by {outcome.due_text} at the latest."
                    + (f"\n{sent}" if sent else "")
                )
            )
            return [*wind_up(), SlotSet(names.SLOT_LAST_REFERENCE, outcome.reference)]
        if outcome.failure is Failure.NOT_VERIFIED:
            dispatcher.utter_message(
                text="I couldn't confirm your contact details with a code, so the request was NOT filed. "
                + messages.OTHER_WAYS,
                buttons=[messages.PERSON_BUTTON],
            )
        else:
            dispatcher.utter_message(text=failure_text(outcome))
        return wind_up()
