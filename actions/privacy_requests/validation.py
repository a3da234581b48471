"""Validation actions of the three request forms: every answer checked, with a specific re-prompt.

Each ``validate_<slot>`` calls a pure validator from :mod:`bot.requests.parsing`
or a domain service and turns its result into slot values and one message.
"""
from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import names
from actions.privacy_requests import listening, messages, requester
from actions.privacy_requests.channel_contact import (
    accepts_channel_number,
    channel_contact,
    parental_code_route,
    rights_code_route,
)
from actions.privacy_requests.forms import PrivacyFormValidation, clear_personal_slots
from actions.privacy_requests.listening import INTENT_KINDS
from actions.privacy_requests.services import blocking, get_services
from actions.privacy_requests.switching import SwitchMixin
from bot.channels.names import TWILIO_VOICE
from bot.requests import flows, parsing
from bot.requests.status import finish_status_check, start_status_check
from bot.verification.codes import CheckResult, normalise_code

logger = logging.getLogger(__name__)

__all__ = ["ValidateRequestForm", "ValidateParentalForm", "ValidateStatusForm", "INTENT_KINDS"]

_YES = {"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "correct", "confirm", "i confirm", "right", "that's right",
        "thats right", "yes please", "yes, that's correct", "yes that's correct", "yes that is correct", "all good",
        "looks good", "that's correct", "go ahead", "submit", "send it", "absolutely", "of course", "i agree",
        "i declare this is true", "i declare", "agreed"}
_NO = {"no", "n", "nope", "nah", "not really", "no thanks", "i don't", "i do not", "i disagree", "don't", "no way"}
_RESEND = re.compile(r"\b(new code|another code|send (it )?again|resend|re-send|didn'?t (get|receive|arrive)|never (got|came|arrived)|no code|not received|hasn'?t (come|arrived))\b", re.I)


def _intent(tracker: Tracker) -> Optional[str]:
    """The NLU's top intent for the latest message (``nlu_fallback`` when it was unsure)."""
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name") if isinstance(intent, dict) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _is_yes(tracker: Tracker, value: Any) -> bool:
    text = " ".join(_text(value).lower().strip(" .!").split())
    return _intent(tracker) == names.INTENT_AFFIRM or text in _YES


def _is_no(tracker: Tracker, value: Any) -> bool:
    text = " ".join(_text(value).lower().strip(" .!").split())
    return _intent(tracker) == names.INTENT_DENY or text in _NO


def _stop_values(outcome: str) -> Dict[Text, Any]:
    values: Dict[Text, Any] = {event["name"]: None for event in clear_personal_slots()}
    values[names.SLOT_REQUEST_OUTCOME] = outcome
    values[REQUESTED_SLOT] = None
    return values


class _CodeMixin:
    """Sending and checking the one-time code that confirms the requester's contact."""

    async def send_code(self, channel: str, contact: Optional[str], dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        """Send a code; returns slot values (``challenge_id``) or stop values when it cannot be sent."""
        try:
            services = await get_services()
            started = await blocking(services.verification.start_contact_check, channel, contact, **requester.current())
        except Exception as exc:  # noqa: BLE001 - a backend failure must end the flow honestly
            logger.error("could not send a verification code: %s", type(exc).__name__)
            return _stop_values("unavailable")
        status = started.status.value
        if started.sent and contact is not None:  # a code goes out only to a contact
            dispatcher.utter_message(text=messages.code_sent(contact))
            return {names.SLOT_CHALLENGE_ID: started.challenge_id}
        if status == "rate_limited":
            minutes = max(1, int((started.retry_after.total_seconds() + 59) // 60)) if started.retry_after else 60
            dispatcher.utter_message(
                text="We've sent as many codes as we can for now, so I can't send another yet. "
                f"Please try again in about {minutes} minutes. {messages.OTHER_WAYS}"
            )
            return _stop_values("not_sent")
        if status == "invalid_contact" and channel == "sms":
            dispatcher.utter_message(text="I can't text a code to that number (we text only ordinary numbers in the "
                                     "countries we serve). Please use an e-mail address instead. " + messages.OTHER_WAYS)
            return _stop_values("not_sent")
        dispatcher.utter_message(text="I couldn't send a code to that contact. " + messages.OTHER_WAYS)
        return _stop_values("not_sent")

    async def check_code(
        self,
        slot: Text,
        value: Any,
        channel: str,
        contact: Optional[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> Dict[Text, Any]:
        text = _text(value)
        if not contact:
            return _stop_values("invalid")
        if _RESEND.search(text):
            return {slot: None, **(await self.send_code(channel, contact, dispatcher))}
        on_phone = tracker.get_latest_input_channel() == TWILIO_VOICE
        if normalise_code(text) is None:
            return self.reject(  # type: ignore[attr-defined]
                slot, "Please enter the 6-digit code we sent you on your keypad. (Press star, or say \"new code\", "
                "if it didn't arrive.)" if on_phone else "Please type the 6-digit code we sent you — just the numbers, "
                "like 123456. (Say \"send a new code\" if it didn't arrive.)", dispatcher, tracker)
        challenge_id = tracker.get_slot(names.SLOT_CHALLENGE_ID)
        try:
            services = await get_services()
            result = await blocking(services.verification.check_code, challenge_id, text)
            info = await blocking(services.verification.challenge, challenge_id) if result is CheckResult.WRONG else None
        except Exception as exc:  # noqa: BLE001
            logger.error("could not check a verification code: %s", type(exc).__name__)
            return _stop_values("unavailable")
        if result is CheckResult.OK:
            return self.accept(slot, "confirmed", tracker, **{  # type: ignore[attr-defined]
                names.SLOT_VERIFIED: True, names.SLOT_VERIFICATION_LEVEL: "contact_confirmed"})
        if result is CheckResult.LOCKED:
            return _stop_values("locked")
        if result in (CheckResult.EXPIRED, CheckResult.NO_CHALLENGE):
            dispatcher.utter_message(text="That code has expired or was already used, so I'm sending a new one.")
            return {slot: None, **(await self.send_code(channel, contact, dispatcher))}
        left = f" You have {info.attempts_left} tries left." if info is not None and info.attempts_left else ""
        again = "enter the 6 digits on your keypad again" if on_phone else "type the 6 digits again"
        return self.reject(slot, f"That code isn't right. Please check the message and {again}." + left,  # type: ignore[attr-defined]
                           dispatcher, tracker)


class ValidateRequestForm(_CodeMixin, SwitchMixin, PrivacyFormValidation):
    """Access, correction, deletion and stop-using requests."""

    is_yes = staticmethod(_is_yes)
    is_no = staticmethod(_is_no)
    stop_values = staticmethod(_stop_values)

    def name(self) -> Text:
        return names.ACTION_VALIDATE_REQUEST_FORM

    def fields(self, tracker: Tracker) -> List[Text]:
        kind = tracker.get_slot(names.SLOT_REQUEST_KIND)
        kind = kind if kind in flows.REQUEST_KINDS else None
        return self.switch_fields(tracker, flows.required_fields(kind, tracker.get_slot(names.SLOT_ACCESS_SCOPE)))

    async def listen(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Any:
        """A change of mind first ("I'd rather delete my data instead"), then what every form hears."""
        if self.answered_now(tracker):
            switch = self.hear_switch(dispatcher, tracker)
            if switch is not None:
                return switch
        return await super().listen(dispatcher, tracker, domain)

    async def before_validation(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Optional[List[EventType]]:
        if parsing.claims_under_13(tracker.latest_message.get("text")):
            return self.stop("child")
        return None

    async def extract_request_kind(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """On activation, the intent that started the form names the kind ("delete my data")."""
        if tracker.get_slot(names.SLOT_REQUEST_KIND) is not None:
            return {}
        kind = INTENT_KINDS.get(_intent(tracker) or "")
        return {names.SLOT_REQUEST_KIND: kind} if kind else {}

    # ------------------------------------------------------------------ the request

    async def validate_request_kind(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value in flows.REQUEST_KINDS:
            return self.accept(names.SLOT_REQUEST_KIND, value, tracker)
        intent = _intent(tracker) or ""
        text = _text(value)
        if intent == names.INTENT_REQUEST_PARENTAL_DELETION or re.search(r"\b(child|son|daughter|kid)", text, re.I):
            return _stop_values("switch_parental")
        kind = INTENT_KINDS.get(intent) or flows.kind_from_text(text)
        if kind:
            return self.accept(names.SLOT_REQUEST_KIND, kind, tracker)
        return self.reject(names.SLOT_REQUEST_KIND,
                           "Sorry, I didn't catch which request you'd like. Please choose: see your data, correct it, "
                           "delete it, or stop us using it.", dispatcher, tracker)

    async def validate_access_scope(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        scope = parsing.read_access_scope(value)
        if scope:
            return self.accept(names.SLOT_ACCESS_SCOPE, scope, tracker)
        return self.reject(names.SLOT_ACCESS_SCOPE,
                           "Please choose: \"the categories\" (what kinds of information we hold and how we use it) or "
                           "\"a copy of specific pieces\" of your information.", dispatcher, tracker)

    async def validate_access_details(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._free_text(names.SLOT_ACCESS_DETAILS, value, dispatcher, tracker)

    async def validate_correction_what(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._free_text(names.SLOT_CORRECTION_WHAT, value, dispatcher, tracker)

    async def validate_correction_value(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        result = self._free_text(names.SLOT_CORRECTION_VALUE, value, dispatcher, tracker)
        if result.get(names.SLOT_CORRECTION_VALUE) and "@" in _text(value):
            email = parsing.parse_email(value)
            if not email.ok:
                return self.reject(names.SLOT_CORRECTION_VALUE, email.problem, dispatcher, tracker)
            result[names.SLOT_CORRECTION_VALUE] = email.value
        return result

    async def validate_stop_scope(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        scope = parsing.read_stop_scope(value)
        if scope:
            return self.accept(names.SLOT_STOP_SCOPE, scope, tracker)
        return self.reject(names.SLOT_STOP_SCOPE,
                           "Please choose: \"marketing only\" or \"all use\" of your personal information.", dispatcher, tracker)

    # ------------------------------------------------------------------ identity

    async def validate_full_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        result = parsing.parse_name(value)
        if result.ok:
            return self.accept(names.SLOT_FULL_NAME, result.value, tracker)
        return self.reject(names.SLOT_FULL_NAME, result.problem, dispatcher, tracker)

    async def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        result = parsing.parse_email(value)
        if result.ok:
            return self.accept(names.SLOT_EMAIL, result.value, tracker)
        return self.reject(names.SLOT_EMAIL, result.problem, dispatcher, tracker)

    async def validate_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """A typed number, "skip", or — on SMS / voice — "use this number": the number read from sealed metadata."""
        if value == flows.SKIPPED or parsing.is_skip(value):
            return self.accept(names.SLOT_PHONE, flows.SKIPPED, tracker, **{names.SLOT_PHONE_FROM_CHANNEL: None})
        if accepts_channel_number(value):
            contact = await channel_contact(tracker)
            if contact is not None:
                return self.accept(names.SLOT_PHONE, contact.phone, tracker, **{names.SLOT_PHONE_FROM_CHANNEL: True})
        result = parsing.parse_phone(value)
        if result.ok:
            return self.accept(names.SLOT_PHONE, result.value, tracker, **{names.SLOT_PHONE_FROM_CHANNEL: None})
        return self.reject(names.SLOT_PHONE, f"{result.problem} Or say \"skip\".", dispatcher, tracker)

    async def validate_date_of_birth(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        result = parsing.parse_date_of_birth(value)
        if result.outcome is parsing.Outcome.AMBIGUOUS:
            # action_ask_date_of_birth asks which reading was meant, with one button each.
            return {names.SLOT_DATE_OF_BIRTH: None, names.SLOT_DOB_CHOICES: [d.isoformat() for d in result.alternatives]}
        if not result.ok or not isinstance(result.value, date):
            return self.reject(names.SLOT_DATE_OF_BIRTH, result.problem, dispatcher, tracker, **{names.SLOT_DOB_CHOICES: None})
        if parsing.is_under_13(result.value):
            return _stop_values("child")
        return self.accept(names.SLOT_DATE_OF_BIRTH, result.value.isoformat(), tracker, **{names.SLOT_DOB_CHOICES: None})

    async def validate_identifier(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value == flows.SKIPPED or parsing.is_skip(value):
            return self.accept(names.SLOT_IDENTIFIER, flows.SKIPPED, tracker)
        result = parsing.parse_identifier(value)
        if result.ok:
            return self.accept(names.SLOT_IDENTIFIER, result.value, tracker)
        return self.reject(names.SLOT_IDENTIFIER, result.problem, dispatcher, tracker)

    async def validate_declaration(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value == "yes" or _is_yes(tracker, value):
            return self.accept(names.SLOT_DECLARATION, "yes", tracker)
        if _is_no(tracker, value):
            dispatcher.utter_message(
                text="Understood. Without that declaration I can't ask for a copy of specific pieces of information, "
                "so I'll file this as a request for the categories of information we hold and how we use them."
            )
            return {names.SLOT_DECLARATION: None, names.SLOT_ACCESS_SCOPE: "categories"}
        return self.reject(names.SLOT_DECLARATION, "Please say \"I declare this is true\" to sign the declaration, or \"no\".",
                           dispatcher, tracker)

    # ------------------------------------------------------------------ summary and code

    async def validate_request_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        fields = self.fields(tracker)
        field = flows.field_to_change(_text(value), fields)
        if field and field not in (names.SLOT_REQUEST_CONFIRMED, names.SLOT_VERIFICATION_CODE):
            dispatcher.utter_message(text="OK, let's change that.")
            cleared: Dict[Text, Any] = {field: None, names.SLOT_REQUEST_CONFIRMED: None}
            if field == names.SLOT_REQUEST_KIND:
                cleared.update({s: None for s in (names.SLOT_ACCESS_SCOPE, names.SLOT_ACCESS_DETAILS, names.SLOT_CORRECTION_WHAT,
                                                  names.SLOT_CORRECTION_VALUE, names.SLOT_STOP_SCOPE, names.SLOT_DECLARATION)})
            return cleared
        if _is_yes(tracker, value) and value != "I want to change something":
            route = rights_code_route(tracker)
            sent = await self.send_code(route.channel, route.contact, dispatcher)
            if names.SLOT_REQUEST_OUTCOME in sent:
                return sent
            return {names.SLOT_REQUEST_CONFIRMED: True, **sent}
        if _is_no(tracker, value) or "change" in _text(value).lower():
            dispatcher.utter_message(text=messages.WHAT_TO_CHANGE)
            return {names.SLOT_REQUEST_CONFIRMED: None}
        return self.reject(names.SLOT_REQUEST_CONFIRMED,
                           "Please say \"yes\" if everything is right, or tell me what to change (for example \"change my email\").",
                           dispatcher, tracker)

    async def validate_verification_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        field = flows.field_to_change(_text(value), self.fields(tracker))
        if field and field not in (names.SLOT_VERIFICATION_CODE, names.SLOT_REQUEST_CONFIRMED) and not normalise_code(_text(value)):
            dispatcher.utter_message(text="OK, let's change that. I'll send a new code afterwards.")
            return {field: None, names.SLOT_REQUEST_CONFIRMED: None, names.SLOT_VERIFICATION_CODE: None,
                    names.SLOT_CHALLENGE_ID: None}
        route = rights_code_route(tracker)
        return await self.check_code(names.SLOT_VERIFICATION_CODE, value, route.channel, route.contact, dispatcher, tracker)

    # ------------------------------------------------------------------ helpers

    def _free_text(self, slot: Text, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        result = parsing.parse_free_text(value)
        if result.ok:
            return self.accept(slot, result.value, tracker)
        return self.reject(slot, result.problem, dispatcher, tracker)


class ValidateParentalForm(_CodeMixin, PrivacyFormValidation):
    """A parent or guardian asking to delete a child's registration and data."""

    def name(self) -> Text:
        return names.ACTION_VALIDATE_PARENTAL_FORM

    def fields(self, tracker: Tracker) -> List[Text]:
        return flows.parental_fields()

    async def validate_parent_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        result = parsing.parse_name(value)
        if result.ok:
            return self.accept(names.SLOT_PARENT_NAME, result.value, tracker)
        return self.reject(names.SLOT_PARENT_NAME, result.problem, dispatcher, tracker)

    async def validate_parent_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """An e-mail address or a typed number, or — on SMS / voice — "use this number" (read from sealed metadata)."""
        if accepts_channel_number(value):
            contact = await channel_contact(tracker)
            if contact is not None:
                return self.accept(names.SLOT_PARENT_CONTACT, contact.phone, tracker)
        result = parsing.parse_contact(value)
        if result.ok:
            return self.accept(names.SLOT_PARENT_CONTACT, result.value, tracker)
        return self.reject(names.SLOT_PARENT_CONTACT, result.problem, dispatcher, tracker)

    async def validate_relationship(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = _text(value).lower()
        if re.search(r"guardian|custod|foster|legal", text):
            return self.accept(names.SLOT_RELATIONSHIP, "legal guardian", tracker)
        if re.search(r"parent|mother|father|mom|mum|mam|dad|papa|mama|step|\bma\b|\bpa\b", text):
            return self.accept(names.SLOT_RELATIONSHIP, "parent", tracker)
        return self.reject(names.SLOT_RELATIONSHIP,
                           "Only a parent or legal guardian can ask for this. Please say \"parent\" or \"legal guardian\".",
                           dispatcher, tracker)

    async def validate_child_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        result = parsing.parse_name(value)
        if result.ok:
            return self.accept(names.SLOT_CHILD_NAME, result.value, tracker)
        return self.reject(names.SLOT_CHILD_NAME, (result.problem or "").replace("your full name", "the child's full name"),
                           dispatcher, tracker)

    async def validate_child_account(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = _text(value).strip()
        if value == flows.SKIPPED or parsing.is_skip(text):
            return self.accept(names.SLOT_CHILD_ACCOUNT, flows.SKIPPED, tracker)
        if "@" in text:
            result = parsing.parse_email(text)
            if result.ok:
                return self.accept(names.SLOT_CHILD_ACCOUNT, result.value, tracker)
            return self.reject(names.SLOT_CHILD_ACCOUNT, f"{result.problem} Or say \"I don't know\".", dispatcher, tracker)
        if re.fullmatch(r"[\w.\-+]{2,64}", text):
            return self.accept(names.SLOT_CHILD_ACCOUNT, text, tracker)
        return self.reject(names.SLOT_CHILD_ACCOUNT,
                           "Please type the e-mail address or username the child registered with (no spaces), or say \"I don't know\".",
                           dispatcher, tracker)

    async def validate_child_age(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 17:
            return self.accept(names.SLOT_CHILD_AGE, float(value), tracker)
        result = parsing.parse_child_age(value)
        if result.ok and result.value is not None:
            return self.accept(names.SLOT_CHILD_AGE, float(result.value), tracker)
        return self.reject(names.SLOT_CHILD_AGE, result.problem, dispatcher, tracker)

    async def validate_parental_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        field = flows.field_to_change(_text(value), self.fields(tracker))
        if field and field not in (names.SLOT_PARENTAL_CONFIRMED, names.SLOT_VERIFICATION_CODE):
            dispatcher.utter_message(text="OK, let's change that.")
            return {field: None, names.SLOT_PARENTAL_CONFIRMED: None}
        if _is_yes(tracker, value) and value != "I want to change something":
            route = parental_code_route(tracker)
            sent = await self.send_code(route.channel, route.contact, dispatcher)
            if names.SLOT_REQUEST_OUTCOME in sent:
                return sent
            return {names.SLOT_PARENTAL_CONFIRMED: True, **sent}
        if _is_no(tracker, value) or "change" in _text(value).lower():
            dispatcher.utter_message(text=messages.WHAT_TO_CHANGE)
            return {names.SLOT_PARENTAL_CONFIRMED: None}
        return self.reject(names.SLOT_PARENTAL_CONFIRMED,
                           "Please say \"yes\" if everything is right, or tell me what to change (for example \"change the child's name\").",
                           dispatcher, tracker)

    async def validate_verification_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        route = parental_code_route(tracker)
        return await self.check_code(names.SLOT_VERIFICATION_CODE, value, route.channel, route.contact, dispatcher, tracker)


class ValidateStatusForm(PrivacyFormValidation):
    """Reference, the e-mail/phone on it, then a code to that contact.  Unknown reference or details = wrong code, always."""

    def name(self) -> Text:
        return names.ACTION_VALIDATE_STATUS_FORM

    def fields(self, tracker: Tracker) -> List[Text]:
        return list(flows.STATUS_FIELDS)

    async def listen(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Any:
        """"actually I'd rather delete my data" during a status check: leave it for that request (nothing is lost)."""
        text = listening.latest_text(tracker)
        if self.answered_now(tracker) and not parsing.find_reference(text):
            target = listening.switch_target(text, listening.latest_intent(tracker), "status",
                                             tracker.get_slot(REQUESTED_SLOT))
            if target is not None:
                return self.stop("switch_parental" if target == listening.PARENTAL else "switch_request")
        return await super().listen(dispatcher, tracker, domain)

    async def _start(self, reference: str, contact: Any, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        """Start the check: a code only if ``contact`` is the one on the request; the same words either way."""
        try:
            services = await get_services()
            started = await blocking(start_status_check, reference, _text(contact)[:254], tickets=services.tickets,
                                     verification=services.verification, **requester.current())
        except Exception as exc:  # noqa: BLE001
            logger.error("status check could not start: %s", type(exc).__name__)
            return _stop_values("unavailable")
        if started.retry_after is not None:
            minutes = max(1, int((started.retry_after.total_seconds() + 59) // 60))
            dispatcher.utter_message(text=(
                "There have been too many wrong codes for that reference recently, so I can't start a new check for "
                f"it yet. Please try again in about {minutes} minutes. {messages.OTHER_WAYS}"))
            return _stop_values("not_sent")
        dispatcher.utter_message(
            text="If that reference and those details match a request, I've sent a 6-digit code to the e-mail address "
            "or phone number on it. It's valid for 10 minutes."
        )
        return {names.SLOT_STATUS_REFERENCE: started.reference, names.SLOT_CHALLENGE_ID: started.challenge_id}

    async def validate_status_reference(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        reference = parsing.find_reference(value)
        if reference is None:
            return self.reject(names.SLOT_STATUS_REFERENCE,
                               "That doesn't look like one of our references. They look like PD-7K3D-9QXM and are in the "
                               "confirmation we sent you.", dispatcher, tracker)
        return self.accept(names.SLOT_STATUS_REFERENCE, reference, tracker)

    async def validate_status_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """The second data point: an e-mail or phone; a code goes out only if it is the one on the request."""
        text = _text(value).strip()[:254]
        parsed = parsing.parse_email(text) if "@" in text else parsing.parse_phone(text)
        if not parsed.ok:
            return self.reject(names.SLOT_STATUS_CONTACT, "Please give the e-mail address or phone number you gave "
                               "with the request (like name@example.com, or a number with its area code).",
                               dispatcher, tracker)
        started = await self._start(tracker.get_slot(names.SLOT_STATUS_REFERENCE), parsed.value, dispatcher)
        if names.SLOT_REQUEST_OUTCOME in started:
            return started
        return self.accept(names.SLOT_STATUS_CONTACT, parsed.value, tracker,
                           **{names.SLOT_CHALLENGE_ID: started[names.SLOT_CHALLENGE_ID]})

    async def validate_status_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = _text(value)
        reference = tracker.get_slot(names.SLOT_STATUS_REFERENCE)
        contact = tracker.get_slot(names.SLOT_STATUS_CONTACT)
        if _RESEND.search(text):
            return {names.SLOT_STATUS_CODE: None, **(await self._start(reference, contact, dispatcher))}
        on_phone = tracker.get_latest_input_channel() == TWILIO_VOICE
        if normalise_code(text) is None:
            how = "enter the 6-digit code on your keypad" if on_phone else "type the 6-digit code — just the numbers, like 123456"
            return self.reject(names.SLOT_STATUS_CODE, f"Please {how}.", dispatcher, tracker)
        try:
            services = await get_services()
            lookup = await blocking(finish_status_check, reference, tracker.get_slot(names.SLOT_CHALLENGE_ID), text,
                                    tickets=services.tickets, verification=services.verification)
        except Exception as exc:  # noqa: BLE001
            logger.error("status check failed: %s", type(exc).__name__)
            return _stop_values("unavailable")
        if lookup.check is CheckResult.OK:
            return self.accept(names.SLOT_STATUS_CODE, "confirmed", tracker, **{names.SLOT_LAST_REFERENCE: reference})
        if lookup.check is CheckResult.LOCKED:
            return _stop_values("locked")
        if lookup.check in (CheckResult.EXPIRED, CheckResult.NO_CHALLENGE):
            dispatcher.utter_message(text="That code has expired or was already used.")
            return {names.SLOT_STATUS_CODE: None, **(await self._start(reference, contact, dispatcher))}
        return self.reject(names.SLOT_STATUS_CODE,
                           "That code didn't match. Please check the reference and the code, and "
                           + ("enter the code on your keypad again." if on_phone else "type the code again."),
                           dispatcher, tracker)
