"""Telling a requester the status of their request once the status form checked their code."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.privacy_requests import messages
from actions.privacy_requests.common import explain_outcome, switch_events, wind_up
from actions.privacy_requests.services import blocking, get_services
from bot.requests.status import describe_status

logger = logging.getLogger(__name__)


class ActionReportStatus(Action):
    def name(self) -> Text:
        return names.ACTION_REPORT_STATUS

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        switched = switch_events(tracker.get_slot(names.SLOT_REQUEST_OUTCOME), dispatcher)
        if switched is not None:
            return switched
        if explain_outcome(tracker.get_slot(names.SLOT_REQUEST_OUTCOME), dispatcher):
            return wind_up()
        reference = tracker.get_slot(names.SLOT_STATUS_REFERENCE)
        if tracker.get_slot(names.SLOT_STATUS_CODE) != "confirmed" or not reference:
            dispatcher.utter_message(
                text='Sorry, I couldn\'t check that request. Please start again by saying "check my request status".'
            )
            return wind_up()
        try:
            services = await get_services()
            ticket = await blocking(services.tickets.get_by_reference, reference)
        except Exception as exc:  # noqa: BLE001
            logger.error("status lookup failed: %s", type(exc).__name__)
            dispatcher.utter_message(
                text="Sorry, I can't look up requests right now. Please try again later. " + messages.OTHER_WAYS
            )
            return wind_up()
        dispatcher.utter_message(text=describe_status(ticket))
        return wind_up()
