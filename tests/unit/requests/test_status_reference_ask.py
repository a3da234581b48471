"""Asking for a status reference: the request filed in this conversation is offered as one tap."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.privacy_requests.asks import ActionAskStatusReference


def _tracker(slots):
    return Tracker(
        "conv-1",
        slots,
        {"text": "status", "intent": {"name": "ask_status"}},
        [],
        False,
        None,
        {"name": "status_form"},
        "action_listen",
    )


async def _asked(slots):
    dispatcher = CollectingDispatcher()
    await ActionAskStatusReference().run(dispatcher, _tracker(slots), {})
    return dispatcher.messages


async def test_the_reference_filed_in_this_conversation_is_offered_as_a_button():
    [message] = await _asked({names.SLOT_LAST_REFERENCE: "PD-H14A-JR1Q"})
    assert "PD-H14A-JR1Q" in message["text"] and "type another reference" in message["text"]
    assert message["buttons"] == [{"title": "PD-H14A-JR1Q", "payload": "PD-H14A-JR1Q"}]


async def test_without_a_reference_in_this_conversation_the_usual_question_is_asked():
    for slots in ({}, {names.SLOT_LAST_REFERENCE: None}, {names.SLOT_LAST_REFERENCE: "<script>"}):
        [message] = await _asked(slots)
        assert message["response"] == names.UTTER_ASK_STATUS_REFERENCE and not message.get("buttons")
