"""``validate_parental_form``: a parent or guardian asking to delete a child's registration and data."""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import names
from actions.privacy_requests import form_answers as answers
from actions.privacy_requests import messages
from actions.privacy_requests.channel_contact import (
    accepts_channel_number,
    channel_contact,
    parental_code_route,
)
from actions.privacy_requests.code_check import CodeMixin
from actions.privacy_requests.forms import PrivacyFormValidation
from bot.requests import flows, parsing

logger = logging.getLogger(__name__)

__all__ = ["ValidateParentalForm"]


class ValidateParentalForm(CodeMixin, PrivacyFormValidation):
    """A parent or guardian asking to delete a child's registration and data."""

    def name(self) -> Text:
        return names.ACTION_VALIDATE_PARENTAL_FORM

    def fields(self, tracker: Tracker) -> List[Text]:
        return flows.parental_fields()

    async def validate_parent_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        result = parsing.parse_name(value)
        if result.ok:
            return self.accept(names.SLOT_PARENT_NAME, result.value, tracker)
        return self.reject(names.SLOT_PARENT_NAME, result.problem, dispatcher, tracker)

    async def validate_parent_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """An e-mail address or a typed number, or — on SMS / voice — "use this number" (read from sealed metadata)."""
        if accepts_channel_number(value):
            contact = await channel_contact(tracker)
            if contact is not None:
                return self.accept(names.SLOT_PARENT_CONTACT, contact.phone, tracker)
        result = parsing.parse_contact(value)
        if result.ok:
            return self.accept(names.SLOT_PARENT_CONTACT, result.value, tracker)
        return self.reject(names.SLOT_PARENT_CONTACT, result.problem, dispatcher, tracker)

    async def validate_relationship(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = answers.as_text(value).lower()
        if re.search(r"guardian|custod|foster|legal", text):
            return self.accept(names.SLOT_RELATIONSHIP, "legal guardian", tracker)
        if re.search(r"parent|mother|father|mom|mum|mam|dad|papa|mama|step|\bma\b|\bpa\b", text):
            return self.accept(names.SLOT_RELATIONSHIP, "parent", tracker)
        return self.reject(
            names.SLOT_RELATIONSHIP,
            'Only a parent or legal guardian can ask for this. Please say "parent" or "legal guardian".',
            dispatcher,
            tracker,
        )

    async def validate_child_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        result = parsing.parse_name(value)
        if result.ok:
            return self.accept(names.SLOT_CHILD_NAME, result.value, tracker)
        return self.reject(
            names.SLOT_CHILD_NAME,
            (result.problem or "").replace("your full name", "the child's full name"),
            dispatcher,
            tracker,
        )

    async def validate_child_account(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = answers.as_text(value).strip()
        if value == flows.SKIPPED or parsing.is_skip(text):
            return self.accept(names.SLOT_CHILD_ACCOUNT, flows.SKIPPED, tracker)
        if "@" in text:
            result = parsing.parse_email(text)
            if result.ok:
                return self.accept(names.SLOT_CHILD_ACCOUNT, result.value, tracker)
            return self.reject(
                names.SLOT_CHILD_ACCOUNT, f'{result.problem} Or say "I don\'t know".', dispatcher, tracker
            )
        if re.fullmatch(r"[\w.\-+]{2,64}", text):
            return self.accept(names.SLOT_CHILD_ACCOUNT, text, tracker)
        return self.reject(
            names.SLOT_CHILD_ACCOUNT,
            'Please type the e-mail address or username the child registered with (no spaces), or say "I don\'t know".',
            dispatcher,
            tracker,
        )

    async def validate_child_age(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 17:
            return self.accept(names.SLOT_CHILD_AGE, float(value), tracker)
        result = parsing.parse_child_age(value)
        if result.ok and result.value is not None:
            return self.accept(names.SLOT_CHILD_AGE, float(result.value), tracker)
        return self.reject(names.SLOT_CHILD_AGE, result.problem, dispatcher, tracker)

    async def validate_parental_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        field = flows.field_to_change(answers.as_text(value), self.fields(tracker))
        if field and field not in (names.SLOT_PARENTAL_CONFIRMED, names.SLOT_VERIFICATION_CODE):
            dispatcher.utter_message(text="OK, let's change that.")
            return {field: None, names.SLOT_PARENTAL_CONFIRMED: None}
        if answers.is_yes(tracker, value) and value != "I want to change something":
            route = parental_code_route(tracker)
            sent = await self.send_code(route.channel, route.contact, dispatcher)
            if names.SLOT_REQUEST_OUTCOME in sent:
                return sent
            return {names.SLOT_PARENTAL_CONFIRMED: True, **sent}
        if answers.is_no(tracker, value) or "change" in answers.as_text(value).lower():
            dispatcher.utter_message(text=messages.WHAT_TO_CHANGE)
            return {names.SLOT_PARENTAL_CONFIRMED: None}
        return self.reject(
            names.SLOT_PARENTAL_CONFIRMED,
            'Please say "yes" if everything is right, or tell me what to change (for example "change the child\'s name").',
            dispatcher,
            tracker,
        )

    async def validate_verification_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        route = parental_code_route(tracker)
        return await self.check_code(
            names.SLOT_VERIFICATION_CODE, value, route.channel, route.contact, dispatcher, tracker
        )
