"""A reusable base class for the privacy forms' validation actions.

How to use it (RasaHQ financial-demo style)::

    class ValidateMyForm(PrivacyFormValidation):
        def name(self) -> str:
            return "validate_my_form"

        def fields(self, tracker) -> list[str]:
            return ["full_name", "email"]            # the questions, in order; may depend on slots

        async def validate_full_name(self, value, dispatcher, tracker, domain):
            result = parsing.parse_name(value)
            return self.accept("full_name", result.value, tracker) if result.ok \
                else self.reject("full_name", result.problem, dispatcher, tracker)

Rules the base class enforces:

* every field in :meth:`fields` needs a ``validate_<field>`` method (rasa_sdk
  silently skips a missing one; :meth:`missing_validators` lets a test prove
  none is missing);
* :meth:`reject` counts failures per field (slot ``field_failures``); from the
  second failure on one field the re-prompt offers a person;
* :meth:`stop` ends the form at once (e.g. the user is under 13): it clears the
  personal-data slots and records why in ``request_outcome`` for the action that
  runs after the form;
* hooks run before slot validation: :meth:`before_validation` may return stop events;
  :meth:`listen` reads what a message says besides the answer (a correction, a change of
  mind, a question right after the form opened: see :mod:`actions.privacy_requests.listening`);
* values are taken from anywhere in a message: the opening message fills what it already
  says, and the question asked is answered even when the NLU filed the message under an
  intent the slot mappings skip ("it's PD-7K3D-9QXM" read as "never mind");
* the first run of a form sets ``form_run`` to a random nonce (cleared with the collected data
  when the flow ends): the idempotency key of whatever this run files.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text, Union

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions import names
from actions.privacy_requests import listening, messages, requester
from bot.requests import parsing
from bot.requests.flows import PERSONAL_FIELDS, new_form_run

__all__ = ["PrivacyFormValidation", "clear_personal_slots", "STATE_SLOTS", "FAILURES_BEFORE_OFFER"]

#: After this many failed tries on one field, the re-prompt offers a person.
FAILURES_BEFORE_OFFER = 2

#: Conversation state tied to the collected data (cleared with it).
STATE_SLOTS = (
    names.SLOT_REQUEST_KIND,
    names.SLOT_ACCESS_SCOPE,
    names.SLOT_STOP_SCOPE,
    names.SLOT_DECLARATION,
    names.SLOT_REQUEST_CONFIRMED,
    names.SLOT_PARENTAL_CONFIRMED,
    names.SLOT_VERIFIED,
    names.SLOT_VERIFICATION_LEVEL,
    names.SLOT_CHALLENGE_ID,
    names.SLOT_FIELD_FAILURES,
    names.SLOT_DOB_CHOICES,
    names.SLOT_PHONE_FROM_CHANNEL,
    names.SLOT_FORM_RUN,
    names.SLOT_PENDING_SWITCH,
    names.SLOT_SWITCH_CONFIRMED,
)

_ACTION_LISTEN = "action_listen"


# slots whose "nothing known" is not None (their initial value in domain.yml)
_CLEARED_VALUE: Dict[str, Any] = {names.SLOT_VERIFIED: False}


def clear_personal_slots() -> List[EventType]:
    """Every personal-data slot and the state that goes with it back to its initial value.

    ``verified`` returns to ``False``, its initial value, so ending a flow never leaves
    the conversation in a state it could not start in.
    """
    return [SlotSet(slot, _CLEARED_VALUE.get(slot)) for slot in (*PERSONAL_FIELDS, *STATE_SLOTS)]


class PrivacyFormValidation(FormValidationAction, ABC):
    """Base class of the request forms' validation actions (see the module docstring)."""

    @abstractmethod
    def name(self) -> Text:
        """``validate_<form name>``."""

    @abstractmethod
    def fields(self, tracker: Tracker) -> List[Text]:
        """The form's questions (slot names) in the order they are asked, given what is known so far."""

    # ------------------------------------------------------------------ hooks

    async def before_validation(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[List[EventType]]:
        """Return events to end the form at once (see :meth:`stop`), or ``None`` to go on."""
        return None

    def answered_now(self, tracker: Tracker) -> bool:
        """Is this run the form's answer to a new user message (not its return after a question or an opening)?"""
        return (
            tracker.get_slot(REQUESTED_SLOT) is not None
            and listening.action_before_form(tracker, self.form_name()) == _ACTION_LISTEN
        )

    async def listen(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[Union[List[EventType], Dict[Text, Any]]]:
        """What the message says besides the answer: stop events, slot values to keep, or ``None`` (an answer).

        Here: a question asked right after the form opened ends the form with an offer
        (:class:`~actions.privacy_requests.listening.ActionBackToRequest` made it), and
        "my email is wrong, it's a@b.com" corrects the earlier answer.  Subclasses add more.
        """
        form = self.form_name()
        if listening.action_before_form(tracker, form) == names.ACTION_BACK_TO_REQUEST and not listening.is_filing(
            tracker, form
        ):
            return self.stop("offered")
        if not self.answered_now(tracker):
            return None
        return await self.hear_correction(dispatcher, tracker, domain)

    async def hear_correction(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[Dict[Text, Any]]:
        """ "X is wrong, it's Y": Y replaces X (checked by X's own validator); without a Y, X is asked again."""
        text, intent = listening.latest_text(tracker), listening.latest_intent(tracker)
        if intent in listening.EXCLUDED_INTENTS or parsing.looks_like_question(text):
            return None
        requested = tracker.get_slot(REQUESTED_SLOT)
        found = listening.correction(text, self.fields(tracker), tracker.slots, requested)
        if found is None:
            return None
        field, value = found
        values: Dict[Text, Any] = {requested: None}  # the message was not an answer to the question asked
        if value is None:
            dispatcher.utter_message(text="OK, let's change that.")
            values[field] = None
            return values
        validated = await getattr(self, f"validate_{field}")(value, dispatcher, tracker, domain)
        if validated.get(field) is not None:
            dispatcher.utter_message(text="Thanks, I've changed that.")
        values.update(validated)
        return values

    # ------------------------------------------------------------------ rasa_sdk overrides

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        requester.bind(tracker)  # code sends below count against this conversation and client
        stop = await self.before_validation(dispatcher, tracker, domain)
        if stop is not None:
            return stop
        heard = await self.listen(dispatcher, tracker, domain)
        if isinstance(heard, list):
            return heard
        if heard is not None:
            events: List[EventType] = [SlotSet(slot, value) for slot, value in heard.items()]
            tracker.add_slots(events)
            next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
            if next_slot:
                events.append(next_slot)
        else:
            events = await super().run(dispatcher, tracker, domain)
        if tracker.get_slot(names.SLOT_FORM_RUN) is None and not self._sets(events, names.SLOT_FORM_RUN):
            # The form run starts: what it files is keyed by this nonce (see bot.requests.flows.idempotency_key).
            events.append(SlotSet(names.SLOT_FORM_RUN, new_form_run()))
        return events

    @staticmethod
    def _sets(events: List[EventType], slot: Text) -> bool:
        return any(e.get("event") == "slot" and e.get("name") == slot for e in events)

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """``extract_<slot>`` methods, then values from anywhere in the message (see the module docstring)."""
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        if tracker.get_slot(names.SLOT_REQUEST_OUTCOME):
            return events
        taken = {event.get("name") for event in events}
        text = listening.latest_text(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested is None:
            found = listening.opening_values(text, self.fields(tracker), tracker.slots)
        elif self.answered_now(tracker) and tracker.get_slot(requested) is None:
            value = listening.value_for_requested(text, requested, listening.latest_intent(tracker))
            found = {requested: value} if value is not None else {}
        else:
            found = {}
        found = {slot: value for slot, value in found.items() if slot not in taken}
        tracker.slots.update(found)
        return events + [SlotSet(slot, value) for slot, value in found.items()]

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot(names.SLOT_REQUEST_OUTCOME):
            return []
        return self.fields(tracker)

    # ------------------------------------------------------------------ helpers for validate_<slot>

    @staticmethod
    def _failures(tracker: Tracker) -> Dict[str, int]:
        value = tracker.get_slot(names.SLOT_FIELD_FAILURES)
        return dict(value) if isinstance(value, dict) else {}

    def accept(self, slot: Text, value: Any, tracker: Tracker, **also: Any) -> Dict[Text, Any]:
        """Keep ``value`` for ``slot`` and reset its failure count."""
        failures = self._failures(tracker)
        failures.pop(slot, None)
        return {slot: value, names.SLOT_FIELD_FAILURES: failures, **also}

    def reject(
        self,
        slot: Text,
        problem: Optional[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        **also: Any,
    ) -> Dict[Text, Any]:
        """Say what was wrong; from the second failure on this field, offer a person too."""
        failures = self._failures(tracker)
        failures[slot] = failures.get(slot, 0) + 1
        text = problem or "Sorry, I couldn't use that."
        if failures[slot] >= FAILURES_BEFORE_OFFER:
            dispatcher.utter_message(text=f"{text} {messages.OFFER_PERSON}", buttons=[messages.PERSON_BUTTON])
        else:
            dispatcher.utter_message(text=text)
        return {slot: None, names.SLOT_FIELD_FAILURES: failures, **also}

    @staticmethod
    def stop(outcome: Text) -> List[EventType]:
        """End the form now: drop the collected data, remember why, and let the form deactivate."""
        return [*clear_personal_slots(), SlotSet(names.SLOT_REQUEST_OUTCOME, outcome), SlotSet(REQUESTED_SLOT, None)]

    def missing_validators(self, tracker: Tracker) -> List[Text]:
        """Fields without a ``validate_<field>`` method (a test asserts there are none)."""
        return [slot for slot in self.fields(tracker) if not callable(getattr(self, f"validate_{slot}", None))]
