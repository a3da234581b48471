"""Forms that listen: what a message says besides the answer to the question asked.

People do not answer forms one field at a time.  This module reads, from the
latest message and the conversation so far:

* values given anywhere: at the form's opening ("my son, he is 11, made an account",
  "any news on PD-7K3D-9QXM?") and for the question asked even when the NLU filed the
  message under another intent ("it's PD-7K3D-9QXM" read as "never mind");
* a correction of an earlier answer ("my email is wrong, it's a@b.com");
* a change of mind ("actually I'd rather just delete my data instead");
* whether the user was filing at all, so a question asked right after a form opened
  (a question that merely sounded like a request) ends in an offer, not a trap.

Pure reading of tracker data; the form base class and validators act on the results.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from bot.requests import flows, parsing

__all__ = [
    "INTENT_KINDS",
    "EXCLUDED_INTENTS",
    "latest_intent",
    "latest_text",
    "opening_values",
    "value_for_requested",
    "correction",
    "switch_target",
    "is_filing",
    "action_before_form",
    "kind_label",
    "ActionBackToRequest",
]

#: The request intents and the kind each names.
INTENT_KINDS = {
    names.INTENT_REQUEST_ACCESS: "access",
    names.INTENT_REQUEST_CORRECTION: "correction",
    names.INTENT_REQUEST_DELETION: "deletion",
    names.INTENT_REQUEST_STOP_USING: "stop_using",
}
PARENTAL = "parental"

#: Intents the domain's ``from_text`` mappings skip (the message fills no slot by itself).
EXCLUDED_INTENTS = frozenset({names.INTENT_CANCEL_REQUEST, names.INTENT_TALK_TO_PERSON, names.INTENT_ASK_POLICY})

#: Free-text answers: any sentence that is not a question is an answer.
FREE_TEXT_FIELDS = frozenset({names.SLOT_ACCESS_DETAILS, names.SLOT_CORRECTION_WHAT, names.SLOT_CORRECTION_VALUE})

#: Name fields: a correction's new value is the text after "it's" / "should be".
NAME_FIELDS = frozenset({names.SLOT_FULL_NAME, names.SLOT_PARENT_NAME, names.SLOT_CHILD_NAME})


def _contact(text: str) -> Optional[str]:
    return parsing.find_email(text) or parsing.find_phone(text)


#: Values that can be read out of any sentence, per slot (each returns what the slot's validator accepts).
FINDERS: Mapping[str, Callable[[str], Optional[Any]]] = {
    names.SLOT_EMAIL: parsing.find_email,
    names.SLOT_PHONE: parsing.find_phone,
    names.SLOT_DATE_OF_BIRTH: parsing.find_date,
    names.SLOT_STATUS_REFERENCE: parsing.find_reference,
    names.SLOT_CHILD_AGE: parsing.find_child_age,
    names.SLOT_RELATIONSHIP: parsing.find_relationship,
    names.SLOT_PARENT_CONTACT: _contact,
    names.SLOT_STATUS_CONTACT: _contact,
}

#: Choices read from the user's words even when the NLU took the answer for a policy question
#: ("what kinds of data you have" at "the categories or a copy?").
CHOICE_READERS: Mapping[str, Callable[[str], Optional[Any]]] = {
    names.SLOT_ACCESS_SCOPE: parsing.read_access_scope,
    names.SLOT_STOP_SCOPE: parsing.read_stop_scope,
}

#: Slots filled from the message that opens a form.  Not the parent's contact (an
#: address there may be the child's account) nor a date (it may be an order date).
OPENING_FIELDS = frozenset(
    {
        names.SLOT_EMAIL,
        names.SLOT_PHONE,
        names.SLOT_STATUS_REFERENCE,
        names.SLOT_STATUS_CONTACT,
        names.SLOT_CHILD_AGE,
        names.SLOT_RELATIONSHIP,
    }
)

#: Questions whose own validators already read "change X" (the summary, the code).
_CONFIRM_FIELDS = frozenset({names.SLOT_REQUEST_CONFIRMED, names.SLOT_PARENTAL_CONFIRMED, names.SLOT_VERIFICATION_CODE})
_CHANGE_WORDS = (
    "wrong",
    "incorrect",
    "mistake",
    "typo",
    "change",
    "fix",
    "correct",
    "update",
    "not right",
    "misspel",
    "meant",
)


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The NLU's top intent for the latest message."""
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name") if isinstance(intent, dict) else None


def latest_text(tracker: Tracker) -> str:
    text = tracker.latest_message.get("text")
    return text if isinstance(text, str) else ""


def opening_values(text: str, fields: Sequence[str], filled: Mapping[str, Any]) -> Dict[str, Any]:
    """Values the opening message already gives for ``fields`` not yet filled."""
    values: Dict[str, Any] = {}
    for field in fields:
        if field in OPENING_FIELDS and filled.get(field) is None:
            value = FINDERS[field](text)
            if value is not None:
                values[field] = value
    return values


def value_for_requested(text: str, requested: Optional[str], intent: Optional[str]) -> Optional[Any]:
    """The answer to the question asked, when the NLU's intent kept the slot mapping from reading it.

    "it's PD-7K3D-9QXM" filed as "never mind", or "my order history and whatever you got
    from phone calls" filed as a policy question, are still answers.
    """
    if not requested or intent not in EXCLUDED_INTENTS or intent == names.INTENT_TALK_TO_PERSON:
        return None
    finder = FINDERS.get(requested)
    if finder is not None:
        return finder(text)
    if requested in CHOICE_READERS and intent == names.INTENT_ASK_POLICY:
        return CHOICE_READERS[requested](text)
    if requested in FREE_TEXT_FIELDS and intent == names.INTENT_ASK_POLICY and not parsing.looks_like_question(text):
        return text
    return None


def correction(
    text: str, fields: Sequence[str], filled: Mapping[str, Any], requested: Optional[str]
) -> Optional[Tuple[str, Optional[Any]]]:
    """``(field, new value or None)`` when the message corrects an earlier answer ("my email is wrong, it's ...")."""
    lowered = " ".join(text.lower().split())
    if requested == names.SLOT_VERIFICATION_CODE or not any(word in lowered for word in _CHANGE_WORDS):
        return None
    field = flows.field_to_change(text, fields)
    if field is None or field == requested or filled.get(field) is None or field in _CONFIRM_FIELDS:
        return None
    finder = FINDERS.get(field)
    if finder is not None:
        value = finder(text)
    elif field in NAME_FIELDS or field in FREE_TEXT_FIELDS:
        value = parsing.new_value_after_cue(text)
    else:
        value = None
    if value is None and requested in _CONFIRM_FIELDS:
        return None  # "change my email" at the summary: its own validator asks for the field again
    return field, value


def switch_target(
    text: str, intent: Optional[str], current_kind: Optional[str], requested: Optional[str]
) -> Optional[str]:
    """The flow a change of mind asks for (a request kind, or ``"parental"``), if it differs from the current one."""
    if intent in EXCLUDED_INTENTS or current_kind is None or requested in (None, names.SLOT_REQUEST_KIND):
        return None
    instead = parsing.says_instead(text)
    if intent == names.INTENT_REQUEST_PARENTAL_DELETION:
        return PARENTAL if instead or requested not in _CONFIRM_FIELDS else None
    by_intent = INTENT_KINDS.get(intent or "")
    by_text = flows.kind_from_text(text)
    if by_intent and (instead or (by_text == by_intent and requested not in _CONFIRM_FIELDS)):
        target: Optional[str] = by_intent
    elif instead and by_text:
        target = by_text
    else:
        return None
    return target if target != current_kind else None


def kind_label(kind: Optional[str]) -> str:
    """ "delete your personal information" — what a request of ``kind`` does, in the user's terms."""
    if kind == PARENTAL:
        return "delete a child's registration and details"
    return flows.KIND_LABELS.get(kind or "", "make a privacy request")


def _events_since_form_opened(tracker: Tracker, form: str) -> List[Dict[str, Any]]:
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "active_loop" and event.get("name") == form:
            return events[index + 1 :]
    return []


def is_filing(tracker: Tracker, form: str) -> bool:
    """Has the user answered anything since ``form`` opened (beyond the latest message)?

    A form that opened on a message that merely sounded like a request ("can I get a copy
    of everything you know about me?") and was then answered only with a question is not
    being filed: the user gets an offer, not "back to your request".
    """
    users = [e for e in _events_since_form_opened(tracker, form) if e.get("event") == "user"]
    earlier = users[:-1]
    return any(
        ((e.get("parse_data") or {}).get("intent") or {}).get("name") != names.INTENT_ASK_POLICY for e in earlier
    )


def action_before_form(tracker: Tracker, form: str) -> Optional[str]:
    """The last action before this run of ``form`` (Rasa appends the form's own run to the tracker it sends)."""
    for event in reversed(list(tracker.events)):
        if event.get("event") == "action" and event.get("name") not in (form, None):
            return event.get("name")
    return None


_OFFERS = {
    "access": ("See my data", "I want to see my data"),
    "correction": ("Correct my data", "correct my data"),
    "deletion": ("Delete my data", "delete my data"),
    "stop_using": ("Stop using my data", "stop using my data"),
    PARENTAL: ("Delete my child's data", "delete my child's data"),
    "status": ("Check my request status", "check my request status"),
}


class ActionBackToRequest(Action):
    """After a question answered inside a form: back to the form if the user was filing, else an offer.

    When the form had only just opened, the form's next run ends it (see
    :meth:`PrivacyFormValidation.listen`) and nothing is kept.
    """

    def name(self) -> Text:
        return names.ACTION_BACK_TO_REQUEST

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        form = tracker.active_loop_name or ""
        if is_filing(tracker, form):
            dispatcher.utter_message(response=names.UTTER_BACK_TO_REQUEST)
            return []
        if form == names.FORM_STATUS:
            what = "status"
            text = "If you'd like to check a request you've made, just say so. What else can I help with?"
        else:
            what = PARENTAL if form == names.FORM_PARENTAL else tracker.get_slot(names.SLOT_REQUEST_KIND)
            text = (
                f"If you'd like to {kind_label(what)}, I can file that request for you: just say so. "
                "Otherwise, ask me anything else about your privacy."
            )
        title, payload = _OFFERS.get(what or "", ("Make a privacy request", "I want to make a privacy request"))
        dispatcher.utter_message(text=text, buttons=[{"title": title, "payload": payload}])
        return []
