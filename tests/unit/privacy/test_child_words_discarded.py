"""A child's words exist nowhere once the assistant says it removed them (finding F3, the under-13 rule).

The assistant's "I've removed what you told me" carries ``DISCARD_USER_WORDS``; the encrypted
tracker store then rewrites every earlier user message of that conversation — those stored in
earlier turns and those of this very turn — and the agents' transcript drops them too.
"""

from __future__ import annotations

from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher

from actions.privacy_requests import messages
from actions.privacy_requests.common import say_child_stop
from bot.privacy.conversations import ConversationRecords, create_tracker_engine
from bot.privacy.crypto import DataCipher, Indexer, generate_key
from bot.privacy.masking import DISCARD_USER_WORDS, agent_transcript
from bot.rasa.tracker_store import EncryptedSQLTrackerStore

DOMAIN = Domain.from_yaml(
    'version: "3.1"\nintents: [inform]\nslots:\n  full_name:\n    type: any\n    mappings: [{type: custom}]\n'
)
FIRST = "hi I want to delete my account, my name is Alyosha Quillbright"
SECOND = "I'm 12"


def said(text: str) -> UserUttered:
    return UserUttered(text, intent={"name": "inform", "confidence": 0.9})


async def test_the_stored_conversation_keeps_no_word_a_child_said_once_the_assistant_says_it_removed_them(
    tmp_path: Path,
):
    """F3: both the earlier turn (already stored) and this turn's message are rewritten at rest."""
    records = ConversationRecords(
        create_tracker_engine(f"sqlite:///{tmp_path / 'c.db'}"),
        DataCipher([generate_key()]),
        Indexer("index-key-for-tests-0123456789abcdef"),
    )
    store = EncryptedSQLTrackerStore(domain=DOMAIN, records=records)
    tracker = DialogueStateTracker("child-1", DOMAIN.slots)
    tracker.update_with_events(
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            said(FIRST),
            SlotSet("full_name", "Alyosha Quillbright"),
            BotUttered("Thanks, Alyosha Quillbright. What's your e-mail?"),
        ],
        DOMAIN,
    )
    await store.save(tracker)
    dispatcher = CollectingDispatcher()
    say_child_stop(dispatcher)
    [reply] = dispatcher.messages
    metadata = {
        k: v
        for k, v in reply.items()
        if k
        not in ("text", "buttons", "image", "elements", "attachment", "custom", "response", "template", "json_message")
    }
    tracker.update_with_events(
        [
            ActionExecuted("action_listen"),
            said(SECOND),
            BotUttered(reply["text"], metadata=metadata),
            ActionExecuted("action_listen"),
            said("what does the policy say about cookies?"),
        ],
        DOMAIN,
    )
    await store.save(tracker)

    restored = await store.retrieve("child-1")
    texts = [e.text for e in restored.events if isinstance(e, UserUttered)]
    assert texts == ["[removed]", "[removed]", "what does the policy say about cookies?"]
    assert all("Alyosha" not in str(e.as_dict()) for e in restored.events)  # slot values and echoes too
    assert any(isinstance(e, BotUttered) and e.text == messages.CHILD_STOP for e in restored.events)


def test_the_transcript_drops_a_childs_words_on_the_marker_alone():
    """F3: the transcript honours the utterance's marker, whatever its wording."""
    events = [
        {"event": "user", "text": FIRST},
        {"event": "bot", "text": "Stopped.", "metadata": {DISCARD_USER_WORDS: True}},
        {"event": "user", "text": "ok thanks"},
    ]
    transcript = agent_transcript(events, personal_questions=())
    assert "Alyosha" not in transcript and "ok thanks" in transcript
