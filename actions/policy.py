"""Policy questions: answer from the knowledge base, cite the section, offer a next step.

Thin adapters: read the latest user text / slots → ``policy_kb`` → messages and
slot events.  The KB (``Settings.kb_dir``) is loaded lazily, and swapped whole after a reload.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.kb_holder import KnowledgeBaseHolder, load_reusing_encoder, question_vector_from
from policy_kb import Answer, AnswerReason, KBNotFound, KnowledgeBase

logger = logging.getLogger(__name__)

# Plain-text payloads (public channels strip "/" intents); the request flow's NLU knows them.
FOLLOW_UP_BUTTONS: Dict[str, Dict[str, str]] = {
    "access": {"title": "Request a copy of my data", "payload": "I want a copy of my personal data"},
    "correction": {"title": "Correct my data", "payload": "I want to correct my personal data"},
    "deletion": {"title": "Start a deletion request", "payload": "I want to delete my personal data"},
    "stop_using": {"title": "Ask you to stop using my data", "payload": "I want you to stop using my personal data"},
    "parental_deletion": {"title": "Delete my child's data", "payload": "I want to delete my child's registration"},
}
# request intent → its key in FOLLOW_UP_BUTTONS
FOLLOW_UP_OF_INTENT: Dict[str, str] = {
    names.INTENT_REQUEST_ACCESS: "access",
    names.INTENT_REQUEST_CORRECTION: "correction",
    names.INTENT_REQUEST_DELETION: "deletion",
    names.INTENT_REQUEST_STOP_USING: "stop_using",
    names.INTENT_REQUEST_PARENTAL_DELETION: "parental_deletion",
}
TELL_MORE_BUTTON = {"title": "Tell me more", "payload": "tell me more"}
PERSON_BUTTON = {"title": "Talk to a person", "payload": "talk to a person"}


def _settings_kb_dir() -> Path:
    from bot.settings import load_settings

    return load_settings().kb_dir


_holder = KnowledgeBaseHolder(_settings_kb_dir, load_reusing_encoder)
_reloads: Set["asyncio.Task[bool]"] = set()


def _load_kb() -> KnowledgeBase:
    return _holder.load_now()


def set_knowledge_base(kb: Optional[KnowledgeBase]) -> None:
    """Use ``kb`` in this process (tests; ``None`` forgets it so the next call loads again)."""
    _holder.set(kb)


async def get_knowledge_base() -> Optional[KnowledgeBase]:
    """The process-wide KB, loaded off the event loop on first use; ``None`` if it is not built.

    A turn uses the KB this returns for all its work.  When ``privacy-desk kb reload`` installed a
    new one, it is loaded in the background and later turns get it (see ``actions/kb_holder.py``).
    """
    kb = _holder.current
    if kb is not None:
        if _holder.due_for_check():
            task = asyncio.get_running_loop().create_task(asyncio.to_thread(_holder.reload_if_changed))
            _reloads.add(task)
            task.add_done_callback(_reloads.discard)
        return kb
    try:
        return await asyncio.to_thread(_load_kb)
    except KBNotFound:
        logger.error("policy knowledge base not built; run `python -m policy_kb build` (make run does)")
        return None


#: the reply to a question that is not about personal data at all (products, stores, deliveries)
OUT_OF_SCOPE_TEXT = (
    "I can only help with privacy: what the privacy policy says about your personal information "
    "(what is collected, who it is shared with, your rights) and requests to access, correct or "
    "delete your data. For anything else I can put you in touch with a person."
)


def format_answer(answer: Answer, revised: Optional[str] = None) -> str:
    """'From the policy, section "X": …' plus any other section the answer must quote, and the
    policy's revision date when it states one (so the user knows which version was quoted)."""
    lines = [f'From the policy, section "{answer.section_title}": {answer.text}']
    for citation in answer.also:
        if citation.section_id == answer.section_id:
            lines.append(f"The same section also says: {citation.text}")
        else:
            lines.append(f'Section "{citation.section_title}" says: {citation.text}')
    if revised:
        lines.append(f"(Privacy policy last revised {revised}.)")
    return "\n".join(lines)


def policy_revision(kb: KnowledgeBase) -> Optional[str]:
    """The revision date the policy states ("March 2010"), read from the KB the turn uses."""
    revised = kb.policy_facts.last_revised
    return revised.value if revised is not None else None


class ActionAnswerPolicyQuestion(Action):
    """Answer the latest user message from the policy, or say plainly that it is not covered."""

    def name(self) -> Text:
        return names.ACTION_ANSWER_POLICY_QUESTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kb = await get_knowledge_base()
        if kb is None:
            dispatcher.utter_message(response=names.UTTER_POLICY_UNAVAILABLE, buttons=[PERSON_BUTTON])
            return []
        latest = tracker.latest_message or {}
        question = latest.get("text") or ""
        with question_vector_from(question, latest):  # the NLU's vector of it: not encoded again
            answer = kb.answer(question)
        if answer.covered:
            buttons = []
            if answer.follow_up in FOLLOW_UP_BUTTONS:
                buttons.append(FOLLOW_UP_BUTTONS[answer.follow_up])
            if answer.more:
                buttons.append(TELL_MORE_BUTTON)
            dispatcher.utter_message(text=format_answer(answer, policy_revision(kb)), buttons=buttons or None)
            return [
                SlotSet(names.SLOT_POLICY_SECTION, answer.section_id),
                SlotSet(names.SLOT_POLICY_SHOWN, [str(i) for i in answer.shown]),
            ]
        if answer.reason is AnswerReason.EMPTY:
            dispatcher.utter_message(response=names.UTTER_POLICY_ASK_QUESTION)
        elif answer.reason is AnswerReason.NOT_UNDERSTOOD:
            dispatcher.utter_message(response=names.UTTER_POLICY_NOT_UNDERSTOOD)
        elif answer.reason is AnswerReason.OUT_OF_SCOPE:
            dispatcher.utter_message(text=OUT_OF_SCOPE_TEXT, buttons=[PERSON_BUTTON])
        else:
            email = answer.contact_email or ""
            response = names.UTTER_POLICY_NOT_COVERED if email else names.UTTER_POLICY_NOT_COVERED_NO_EMAIL
            dispatcher.utter_message(response=response, email=email, buttons=[PERSON_BUTTON])
        return [SlotSet(names.SLOT_POLICY_SECTION, None), SlotSet(names.SLOT_POLICY_SHOWN, None)]


class ActionPolicyTellMore(Action):
    """Continue the section of the last answer ("tell me more"), a part at a time."""

    def name(self) -> Text:
        return names.ACTION_POLICY_TELL_MORE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        section_id = tracker.get_slot(names.SLOT_POLICY_SECTION)
        kb = await get_knowledge_base() if section_id else None
        shown_slot = tracker.get_slot(names.SLOT_POLICY_SHOWN) or []
        shown = [int(i) for i in shown_slot if str(i).isdigit()]
        part = kb.more(section_id, shown) if kb is not None else None
        if part is None:
            dispatcher.utter_message(response=names.UTTER_POLICY_MORE_WHICH)
            return []
        if not part.text:
            dispatcher.utter_message(response=names.UTTER_POLICY_NOTHING_MORE, section=part.section_title)
            return []
        dispatcher.utter_message(
            text=f'More from section "{part.section_title}": {part.text}',
            buttons=[TELL_MORE_BUTTON] if part.remaining else None,
        )
        return [SlotSet(names.SLOT_POLICY_SHOWN, [str(i) for i in part.shown])]
