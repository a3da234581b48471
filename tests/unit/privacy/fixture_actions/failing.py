"""An action that fails with the tracker's personal data in its exception message."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionThatLeaksOnFailure(Action):
    def name(self) -> str:
        return "action_that_fails"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        raise ValueError(f"could not handle {tracker.get_slot('email')}")


class ActionThatWorks(Action):
    def name(self) -> str:
        return "action_that_works"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        dispatcher.utter_message(text="done")
        return []
