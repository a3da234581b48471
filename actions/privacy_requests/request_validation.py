"""``validate_request_form``: access, correction, deletion and stop-using requests, every answer checked.

Each ``validate_<slot>`` calls a pure validator from :mod:`bot.requests.parsing` or a domain service and
turns its result into slot values and one message."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import names
from actions.privacy_requests import form_answers as answers
from actions.privacy_requests import messages
from actions.privacy_requests.channel_contact import (
    accepts_channel_number,
    channel_contact,
    rights_code_route,
)
from actions.privacy_requests.code_check import CodeMixin
from actions.privacy_requests.forms import PrivacyFormValidation
from actions.privacy_requests.listening import INTENT_KINDS
from actions.privacy_requests.switching import KIND_SLOTS, SwitchMixin
from bot.requests import flows, parsing
from bot.verification.codes import normalise_code

logger = logging.getLogger(__name__)

__all__ = ["ValidateRequestForm", "INTENT_KINDS"]


class ValidateRequestForm(CodeMixin, SwitchMixin, PrivacyFormValidation):
    """Access, correction, deletion and stop-using requests."""

    is_yes = staticmethod(answers.is_yes)
    is_no = staticmethod(answers.is_no)
    stop_values = staticmethod(answers.stop_values)

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

    async def before_validation(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[List[EventType]]:
        if parsing.claims_under_13(tracker.latest_message.get("text")):
            return self.stop("child")
        return None

    async def extract_request_kind(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """On activation, the intent that started the form names the kind ("delete my data")."""
        if tracker.get_slot(names.SLOT_REQUEST_KIND) is not None:
            return {}
        kind = INTENT_KINDS.get(answers.latest_intent(tracker) or "")
        return {names.SLOT_REQUEST_KIND: kind} if kind else {}

    # ------------------------------------------------------------------ the request

    async def validate_request_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value in flows.REQUEST_KINDS:
            return self.accept(names.SLOT_REQUEST_KIND, value, tracker)
        intent = answers.latest_intent(tracker) or ""
        text = answers.as_text(value)
        if intent == names.INTENT_REQUEST_PARENTAL_DELETION or re.search(r"\b(child|son|daughter|kid)", text, re.I):
            return answers.stop_values("switch_parental")
        kind = INTENT_KINDS.get(intent) or flows.kind_from_text(text)
        if kind:
            return self.accept(names.SLOT_REQUEST_KIND, kind, tracker)
        return self.reject(
            names.SLOT_REQUEST_KIND,
            "Sorry, I didn't catch which request you'd like. Please choose: see your data, correct it, "
            "delete it, or stop us using it.",
            dispatcher,
            tracker,
        )

    async def validate_access_scope(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        scope = parsing.read_access_scope(value)
        if scope:
            return self.accept(names.SLOT_ACCESS_SCOPE, scope, tracker)
        return self.reject(
            names.SLOT_ACCESS_SCOPE,
            'Please choose: "the categories" (what kinds of information we hold and how we use it) or '
            '"a copy of specific pieces" of your information.',
            dispatcher,
            tracker,
        )

    async def validate_access_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._free_text(names.SLOT_ACCESS_DETAILS, value, dispatcher, tracker)

    async def validate_correction_what(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._free_text(names.SLOT_CORRECTION_WHAT, value, dispatcher, tracker)

    async def validate_correction_value(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        result = self._free_text(names.SLOT_CORRECTION_VALUE, value, dispatcher, tracker)
        if result.get(names.SLOT_CORRECTION_VALUE) and "@" in answers.as_text(value):
            email = parsing.parse_email(value)
            if not email.ok:
                return self.reject(names.SLOT_CORRECTION_VALUE, email.problem, dispatcher, tracker)
            result[names.SLOT_CORRECTION_VALUE] = email.value
        return result

    async def validate_stop_scope(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        scope = parsing.read_stop_scope(value)
        if scope:
            return self.accept(names.SLOT_STOP_SCOPE, scope, tracker)
        return self.reject(
            names.SLOT_STOP_SCOPE,
            'Please choose: "marketing only" or "all use" of your personal information.',
            dispatcher,
            tracker,
        )

    # ------------------------------------------------------------------ identity

    async def validate_full_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        result = parsing.parse_name(value)
        if result.ok:
            return self.accept(names.SLOT_FULL_NAME, result.value, tracker)
        return self.reject(names.SLOT_FULL_NAME, result.problem, dispatcher, tracker)

    async def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        result = parsing.parse_email(value)
        if result.ok:
            return self.accept(names.SLOT_EMAIL, result.value, tracker)
        return self.reject(names.SLOT_EMAIL, result.problem, dispatcher, tracker)

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
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
        return self.reject(names.SLOT_PHONE, f'{result.problem} Or say "skip".', dispatcher, tracker)

    async def validate_date_of_birth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        result = parsing.parse_date_of_birth(value)
        if result.outcome is parsing.Outcome.AMBIGUOUS:
            # action_ask_date_of_birth asks which reading was meant, with one button each.
            return {
                names.SLOT_DATE_OF_BIRTH: None,
                names.SLOT_DOB_CHOICES: [d.isoformat() for d in result.alternatives],
            }
        if not result.ok or not isinstance(result.value, date):
            return self.reject(
                names.SLOT_DATE_OF_BIRTH, result.problem, dispatcher, tracker, **{names.SLOT_DOB_CHOICES: None}
            )
        if parsing.is_under_13(result.value):
            return answers.stop_values("child")
        return self.accept(
            names.SLOT_DATE_OF_BIRTH, result.value.isoformat(), tracker, **{names.SLOT_DOB_CHOICES: None}
        )

    async def validate_identifier(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value == flows.SKIPPED or parsing.is_skip(value):
            return self.accept(names.SLOT_IDENTIFIER, flows.SKIPPED, tracker)
        result = parsing.parse_identifier(value)
        if result.ok:
            return self.accept(names.SLOT_IDENTIFIER, result.value, tracker)
        return self.reject(names.SLOT_IDENTIFIER, result.problem, dispatcher, tracker)

    async def validate_declaration(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value == "yes" or answers.is_yes(tracker, value):
            return self.accept(names.SLOT_DECLARATION, "yes", tracker)
        if answers.is_no(tracker, value):
            dispatcher.utter_message(
                text="Understood. Without that declaration I can't ask for a copy of specific pieces of information, "
                "so I'll file this as a request for the categories of information we hold and how we use them."
            )
            return {names.SLOT_DECLARATION: None, names.SLOT_ACCESS_SCOPE: "categories"}
        return self.reject(
            names.SLOT_DECLARATION,
            'Please say "I declare this is true" to sign the declaration, or "no".',
            dispatcher,
            tracker,
        )

    # ------------------------------------------------------------------ summary and code

    async def validate_request_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        fields = self.fields(tracker)
        field = flows.field_to_change(answers.as_text(value), fields)
        if field and field not in (names.SLOT_REQUEST_CONFIRMED, names.SLOT_VERIFICATION_CODE):
            dispatcher.utter_message(text="OK, let's change that.")
            cleared: Dict[Text, Any] = {field: None, names.SLOT_REQUEST_CONFIRMED: None}
            if field == names.SLOT_REQUEST_KIND:
                cleared.update({s: None for s in KIND_SLOTS})
            return cleared
        if answers.is_yes(tracker, value) and value != "I want to change something":
            route = rights_code_route(tracker)
            sent = await self.send_code(route.channel, route.contact, dispatcher)
            if names.SLOT_REQUEST_OUTCOME in sent:
                return sent
            return {names.SLOT_REQUEST_CONFIRMED: True, **sent}
        if answers.is_no(tracker, value) or "change" in answers.as_text(value).lower():
            dispatcher.utter_message(text=messages.WHAT_TO_CHANGE)
            return {names.SLOT_REQUEST_CONFIRMED: None}
        return self.reject(
            names.SLOT_REQUEST_CONFIRMED,
            'Please say "yes" if everything is right, or tell me what to change (for example "change my email").',
            dispatcher,
            tracker,
        )

    async def validate_verification_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        field = flows.field_to_change(answers.as_text(value), self.fields(tracker))
        if (
            field
            and field not in (names.SLOT_VERIFICATION_CODE, names.SLOT_REQUEST_CONFIRMED)
            and not normalise_code(answers.as_text(value))
        ):
            dispatcher.utter_message(text="OK, let's change that. I'll send a new code afterwards.")
            return {
                field: None,
                names.SLOT_REQUEST_CONFIRMED: None,
                names.SLOT_VERIFICATION_CODE: None,
                names.SLOT_CHALLENGE_ID: None,
            }
        route = rights_code_route(tracker)
        return await self.check_code(
            names.SLOT_VERIFICATION_CODE, value, route.channel, route.contact, dispatcher, tracker
        )

    # ------------------------------------------------------------------ helpers

    def _free_text(self, slot: Text, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        result = parsing.parse_free_text(value)
        if result.ok:
            return self.accept(slot, result.value, tracker)
        return self.reject(slot, result.problem, dispatcher, tracker)
