"""A change of mind inside the rights-request form, confirmed once.

"actually I'd rather just delete my data instead" while filing an access request: the
form asks once ("Just to check: ...?", the ``switch_confirmed`` question put first in
the form's fields while ``pending_switch`` holds the new flow); "yes" switches and keeps
the identity details already given, "no" carries on where the user was.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import names
from actions.privacy_requests import listening

__all__ = ["SwitchMixin", "ActionAskSwitchConfirmed", "KIND_SLOTS"]

#: What belongs to one request kind (dropped when the kind changes); identity answers are kept.
KIND_SLOTS = (
    names.SLOT_ACCESS_SCOPE,
    names.SLOT_ACCESS_DETAILS,
    names.SLOT_CORRECTION_WHAT,
    names.SLOT_CORRECTION_VALUE,
    names.SLOT_STOP_SCOPE,
    names.SLOT_DECLARATION,
    names.SLOT_REQUEST_CONFIRMED,
    names.SLOT_VERIFICATION_CODE,
)
YES_NO = [{"title": "Yes, switch", "payload": "yes"}, {"title": "No, carry on", "payload": "no"}]


class SwitchMixin:
    """For :class:`~actions.privacy_requests.request_validation.ValidateRequestForm` (needs ``accept``/``reject``/``stop``)."""

    def switch_fields(self, tracker: Tracker, fields: List[Text]) -> List[Text]:
        """The form's fields, with the one-time confirmation first while a switch is pending."""
        if tracker.get_slot(names.SLOT_PENDING_SWITCH):
            return [names.SLOT_SWITCH_CONFIRMED, *fields]
        return fields

    def hear_switch(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[Dict[Text, Any]]:
        """A change of mind: remember the new flow; the form then asks to confirm it (once)."""
        requested = tracker.get_slot(REQUESTED_SLOT)
        if tracker.get_slot(names.SLOT_PENDING_SWITCH) or requested == names.SLOT_SWITCH_CONFIRMED:
            return None
        target = listening.switch_target(
            listening.latest_text(tracker),
            listening.latest_intent(tracker),
            tracker.get_slot(names.SLOT_REQUEST_KIND),
            requested,
        )
        if target is None:
            return None
        return {names.SLOT_PENDING_SWITCH: target, requested: None}

    async def validate_switch_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        target = tracker.get_slot(names.SLOT_PENDING_SWITCH)
        done = {names.SLOT_PENDING_SWITCH: None, names.SLOT_SWITCH_CONFIRMED: None}
        if self.is_yes(tracker, value) and target:  # type: ignore[attr-defined]
            if target == listening.PARENTAL:
                return self.stop_values("switch_parental")  # type: ignore[attr-defined]
            dispatcher.utter_message(
                text=f"OK, I've changed this to a request to {listening.kind_label(target)}. "
                "I've kept the details you already gave me."
            )
            return {**done, names.SLOT_REQUEST_KIND: target, **{slot: None for slot in KIND_SLOTS}}
        if self.is_no(tracker, value) or not target:  # type: ignore[attr-defined]
            dispatcher.utter_message(text="OK, let's carry on with your request.")
            return done
        return self.reject(  # type: ignore[attr-defined]
            names.SLOT_SWITCH_CONFIRMED,
            f'Please say "yes" to {listening.kind_label(target)} instead, or "no" to carry on '
            "with the request you started.",
            dispatcher,
            tracker,
        )


class ActionAskSwitchConfirmed(Action):
    """ "Just to check: you'd like to delete your data instead of seeing it?" — asked once per change of mind."""

    def name(self) -> Text:
        return names.ACTION_ASK_SWITCH_CONFIRMED

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        target = tracker.get_slot(names.SLOT_PENDING_SWITCH)
        current = tracker.get_slot(names.SLOT_REQUEST_KIND)
        dispatcher.utter_message(
            text=f"Just to check: you'd like to {listening.kind_label(target)} instead of asking us to "
            f"{listening.kind_label(current)}? The details you've already given me are kept.",
            buttons=YES_NO,
        )
        return []
