"""The forms count code sends against the conversation and the client the channel named (finding F4)."""

from __future__ import annotations

from typing import Optional

from actions.privacy_requests.parental_validation import ValidateParentalForm
from bot.channels.contact import seal_contact
from bot.channels.names import TWILIO_VOICE
from tests.unit.requests.support import build_tracker, run_action, slotsets

PARENT = {
    "parent_name": "Pat Demo",
    "relationship": "parent",
    "child_name": "Finn Demo",
    "child_account": "finn",
    "child_age": 11.0,
}


async def confirm(number: str, sender: str, client: Optional[str] = None, metadata=None, channel: str = "rest"):
    slots = {**PARENT, "parent_contact": number, "requested_slot": "parental_confirmed", "parental_confirmed": "yes"}
    metadata = metadata or ({"client_key": client} if client else None)
    events, messages = await run_action(
        ValidateParentalForm(),
        build_tracker(
            "yes", "affirm", slots=slots, active_loop="parental_form", sender=sender, metadata=metadata, channel=channel
        ),
    )
    return slotsets(events), " ".join(m.get("text") or "" for m in messages)


async def test_one_web_chat_cannot_text_codes_to_number_after_number(backend):
    """F4: the sixth number one conversation asks us to text within the hour gets no code."""
    results = [await confirm(f"+1202555{200 + i:04d}", sender="web-pumper") for i in range(6)]
    assert all(sets.get("challenge_id") for sets, _ in results[:5])
    sets, text = results[5]
    assert not sets.get("challenge_id") and "can't send another yet" in text
    assert backend.outbox.latest(to="+12025550205") is None


async def test_one_client_cannot_text_codes_from_conversation_after_conversation(backend):
    """F4: the per-client limit holds across conversation ids when the channel names the client."""
    results = [await confirm(f"+1202555{300 + i:04d}", sender=f"web-{i}", client="client-digest-1") for i in range(11)]
    assert sum(1 for sets, _ in results if sets.get("challenge_id")) == 10
    assert (await confirm("+12025550399", sender="web-other", client="client-digest-2"))[0].get("challenge_id")


async def test_one_caller_cannot_text_codes_call_after_call(backend, cipher):
    """F4: on the phone each call is its own conversation; the caller's number is the client across calls."""

    def call(i: int):
        sender = f"call-{i}"
        return confirm(
            f"+1202555{400 + i:04d}",
            sender=sender,
            channel=TWILIO_VOICE,
            metadata=seal_contact(cipher, TWILIO_VOICE, sender, "+12025550177"),
        )

    results = [await call(i) for i in range(11)]
    assert sum(1 for sets, _ in results if sets.get("challenge_id")) == 10
