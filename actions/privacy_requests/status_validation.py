"""``validate_status_form``: reference, the contact on it, then a code to that contact."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import names
from actions.privacy_requests import form_answers as answers
from actions.privacy_requests import listening, messages, requester
from actions.privacy_requests.forms import PrivacyFormValidation
from actions.privacy_requests.services import blocking, get_services
from bot.channels.names import TWILIO_VOICE
from bot.requests import flows, parsing
from bot.requests.status import finish_status_check, start_status_check
from bot.verification.codes import CheckResult, normalise_code

logger = logging.getLogger(__name__)

__all__ = ["ValidateStatusForm"]


class ValidateStatusForm(PrivacyFormValidation):
    """Reference, the e-mail/phone on it, then a code to that contact.  Unknown reference or details = wrong code, always."""

    def name(self) -> Text:
        return names.ACTION_VALIDATE_STATUS_FORM

    def fields(self, tracker: Tracker) -> List[Text]:
        return list(flows.STATUS_FIELDS)

    async def listen(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Any:
        """ "actually I'd rather delete my data" during a status check: leave it for that request (nothing is lost)."""
        text = listening.latest_text(tracker)
        if self.answered_now(tracker) and not parsing.find_reference(text):
            target = listening.switch_target(
                text, listening.latest_intent(tracker), "status", tracker.get_slot(REQUESTED_SLOT)
            )
            if target is not None:
                return self.stop("switch_parental" if target == listening.PARENTAL else "switch_request")
        return await super().listen(dispatcher, tracker, domain)

    async def _start(self, reference: str, contact: Any, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        """Start the check: a code only if ``contact`` is the one on the request; the same words either way."""
        try:
            services = await get_services()
            started = await blocking(
                start_status_check,
                reference,
                answers.as_text(contact)[:254],
                tickets=services.tickets,
                verification=services.verification,
                **requester.current(),
            )
        except Exception as exc:  # noqa: BLE001
            logger.error("status check could not start: %s", type(exc).__name__)
            return answers.stop_values("unavailable")
        if started.retry_after is not None:
            minutes = max(1, int((started.retry_after.total_seconds() + 59) // 60))
            dispatcher.utter_message(
                text=(
                    "There have been too many wrong codes for that reference recently, so I can't start a new check for "
                    f"it yet. Please try again in about {minutes} minutes. {messages.OTHER_WAYS}"
                )
            )
            return answers.stop_values("not_sent")
        dispatcher.utter_message(
            text="If that reference and those details match a request, I've sent a 6-digit code to the e-mail address "
            "or phone number on it. It's valid for 10 minutes."
        )
        return {names.SLOT_STATUS_REFERENCE: started.reference, names.SLOT_CHALLENGE_ID: started.challenge_id}

    async def validate_status_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        reference = parsing.find_reference(value)
        if reference is None:
            return self.reject(
                names.SLOT_STATUS_REFERENCE,
                "That doesn't look like one of our references. They look like PD-7K3D-9QXM and are in the "
                "confirmation we sent you.",
                dispatcher,
                tracker,
            )
        return self.accept(names.SLOT_STATUS_REFERENCE, reference, tracker)

    async def validate_status_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The second data point: an e-mail or phone; a code goes out only if it is the one on the request."""
        text = answers.as_text(value).strip()[:254]
        parsed = parsing.parse_email(text) if "@" in text else parsing.parse_phone(text)
        if not parsed.ok:
            return self.reject(
                names.SLOT_STATUS_CONTACT,
                "Please give the e-mail address or phone number you gave "
                "with the request (like name@example.com, or a number with its area code).",
                dispatcher,
                tracker,
            )
        started = await self._start(tracker.get_slot(names.SLOT_STATUS_REFERENCE), parsed.value, dispatcher)
        if names.SLOT_REQUEST_OUTCOME in started:
            return started
        return self.accept(
            names.SLOT_STATUS_CONTACT,
            parsed.value,
            tracker,
            **{names.SLOT_CHALLENGE_ID: started[names.SLOT_CHALLENGE_ID]},
        )

    async def validate_status_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = answers.as_text(value)
        reference = tracker.get_slot(names.SLOT_STATUS_REFERENCE)
        contact = tracker.get_slot(names.SLOT_STATUS_CONTACT)
        if answers.RESEND.search(text):
            return {names.SLOT_STATUS_CODE: None, **(await self._start(reference, contact, dispatcher))}
        on_phone = tracker.get_latest_input_channel() == TWILIO_VOICE
        if normalise_code(text) is None:
            how = (
                "enter the 6-digit code on your keypad"
                if on_phone
                else "type the 6-digit code — just the numbers, like 123456"
            )
            return self.reject(names.SLOT_STATUS_CODE, f"Please {how}.", dispatcher, tracker)
        try:
            services = await get_services()
            lookup = await blocking(
                finish_status_check,
                reference,
                tracker.get_slot(names.SLOT_CHALLENGE_ID),
                text,
                tickets=services.tickets,
                verification=services.verification,
            )
        except Exception as exc:  # noqa: BLE001
            logger.error("status check failed: %s", type(exc).__name__)
            return answers.stop_values("unavailable")
        if lookup.check is CheckResult.OK:
            return self.accept(names.SLOT_STATUS_CODE, "confirmed", tracker, **{names.SLOT_LAST_REFERENCE: reference})
        if lookup.check is CheckResult.LOCKED:
            return answers.stop_values("locked")
        if lookup.check in (CheckResult.EXPIRED, CheckResult.NO_CHALLENGE):
            dispatcher.utter_message(text="That code has expired or was already used.")
            return {names.SLOT_STATUS_CODE: None, **(await self._start(reference, contact, dispatcher))}
        return self.reject(
            names.SLOT_STATUS_CODE,
            "That code didn't match. Please check the reference and the code, and "
            + ("enter the code on your keypad again." if on_phone else "type the code again."),
            dispatcher,
            tracker,
        )
