"""Sending and checking the one-time code that confirms a requester's contact, for the request forms."""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.privacy_requests import form_answers as answers
from actions.privacy_requests import messages, requester
from actions.privacy_requests.services import blocking, get_services
from bot.channels.names import TWILIO_VOICE
from bot.verification.codes import CheckResult, normalise_code

logger = logging.getLogger(__name__)

__all__ = ["CodeMixin"]


class CodeMixin:
    """Sending and checking the one-time code that confirms the requester's contact."""

    async def send_code(
        self, channel: str, contact: Optional[str], dispatcher: CollectingDispatcher
    ) -> Dict[Text, Any]:
        """Send a code; returns slot values (``challenge_id``) or stop values when it cannot be sent."""
        try:
            services = await get_services()
            started = await blocking(services.verification.start_contact_check, channel, contact, **requester.current())
        except Exception as exc:  # noqa: BLE001 - a backend failure must end the flow honestly
            logger.error("could not send a verification code: %s", type(exc).__name__)
            return answers.stop_values("unavailable")
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
            return answers.stop_values("not_sent")
        if status == "invalid_contact" and channel == "sms":
            dispatcher.utter_message(
                text="I can't text a code to that number (we text only ordinary numbers in the "
                "countries we serve). Please use an e-mail address instead. " + messages.OTHER_WAYS
            )
            return answers.stop_values("not_sent")
        dispatcher.utter_message(text="I couldn't send a code to that contact. " + messages.OTHER_WAYS)
        return answers.stop_values("not_sent")

    async def check_code(
        self,
        slot: Text,
        value: Any,
        channel: str,
        contact: Optional[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> Dict[Text, Any]:
        text = answers.as_text(value)
        if not contact:
            return answers.stop_values("invalid")
        if answers.RESEND.search(text):
            return {slot: None, **(await self.send_code(channel, contact, dispatcher))}
        on_phone = tracker.get_latest_input_channel() == TWILIO_VOICE
        if normalise_code(text) is None:
            return self.reject(  # type: ignore[attr-defined]
                slot,
                'Please enter the 6-digit code we sent you on your keypad. (Press star, or say "new code", '
                "if it didn't arrive.)"
                if on_phone
                else "Please type the 6-digit code we sent you — just the numbers, "
                'like 123456. (Say "send a new code" if it didn\'t arrive.)',
                dispatcher,
                tracker,
            )
        challenge_id = tracker.get_slot(names.SLOT_CHALLENGE_ID)
        try:
            services = await get_services()
            result = await blocking(services.verification.check_code, challenge_id, text)
            info = (
                await blocking(services.verification.challenge, challenge_id) if result is CheckResult.WRONG else None
            )
        except Exception as exc:  # noqa: BLE001
            logger.error("could not check a verification code: %s", type(exc).__name__)
            return answers.stop_values("unavailable")
        if result is CheckResult.OK:
            return self.accept(  # type: ignore[attr-defined]
                slot,
                "confirmed",
                tracker,
                **{
                    names.SLOT_VERIFIED: True,
                    names.SLOT_VERIFICATION_LEVEL: "contact_confirmed",
                },
            )
        if result is CheckResult.LOCKED:
            return answers.stop_values("locked")
        if result in (CheckResult.EXPIRED, CheckResult.NO_CHALLENGE):
            dispatcher.utter_message(text="That code has expired or was already used, so I'm sending a new one.")
            return {slot: None, **(await self.send_code(channel, contact, dispatcher))}
        left = f" You have {info.attempts_left} tries left." if info is not None and info.attempts_left else ""
        again = "enter the 6 digits on your keypad again" if on_phone else "type the 6 digits again"
        return self.reject(  # type: ignore[attr-defined]
            slot,
            f"That code isn't right. Please check the message and {again}." + left,
            dispatcher,
            tracker,
        )
