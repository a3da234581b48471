"""The adversarial review's findings on request flows, replayed against the running stack over REST.

F2: a rights request filed again after the first was rejected gets a new ticket and reference.
F3: an escalation's transcript (as the API serves it) holds no answer to a personal-data question.
F4: an anonymous web user cannot make us text a code to a premium-rate number.
F5: a reference plus someone else's e-mail sends the owner no code, with the same words as a match.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Callable, Optional

import httpx
import pytest

from bot.notify.outbox import Outbox
from bot.privacy.crypto import DataCipher, Indexer
from bot.storage.db import init_db
from bot.tickets import Channel, Kind, PersonalData, Status, TicketService
from tests.integration.requests.test_request_conversations import store  # noqa: F401 - the stack's ticket store
from tests.integration.stack import Stack

pytestmark = pytest.mark.stack

_CODE = re.compile(r"\b(\d{6})\b")
_REFERENCE = re.compile(r"\bPD-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def outbox_latest(stack: Stack, to: str, wait_s: float = 0.0) -> Optional[str]:
    """The newest message to ``to``; ``wait_s`` for one delivered in the background (status checks)."""
    database = init_db(stack.settings)
    try:
        outbox = Outbox(database, DataCipher(list(stack.settings.data_keys)), Indexer(stack.settings.index_key))
        deadline = time.monotonic() + wait_s
        message = outbox.latest(to=to)
        while message is None and time.monotonic() < deadline:
            time.sleep(0.05)
            message = outbox.latest(to=to)
    finally:
        database.dispose()
    return message.body if message else None


def speaker(stack: Stack) -> Callable[[str], str]:
    sender = f"abuse-{uuid.uuid4().hex[:8]}"
    return lambda text: stack.texts(sender, text)


def file_deletion(stack: Stack, say: Callable[[str], str]) -> str:
    say("I want to delete my personal data")
    say("Chloé Exemple")
    say("chloe.example@example.org")
    say("skip")
    say("21 July 1978")
    say("60601")
    assert "6-digit code" in say("yes")
    code = _CODE.search(outbox_latest(stack, "chloe.example@example.org") or "").group(1)
    confirmation = say(code)
    found = _REFERENCE.search(confirmation)
    assert found and "filed" in confirmation, confirmation
    return found.group(0)


def test_f2_refiling_after_rejection_gets_a_new_ticket(stack: Stack, store: TicketService) -> None:  # noqa: F811 - the imported fixture
    """F2: same conversation, same details, filed again after rejection: a new reference, not the rejected one."""
    say = speaker(stack)
    first = file_deletion(stack, say)
    store.transition(first, Status.REJECTED, actor="agent:test", reason_code="identity_not_verified")
    second = file_deletion(stack, say)
    assert second != first
    assert store.get_by_reference(second).status is Status.VERIFIED


def test_f3_escalation_transcript_withholds_answers_to_personal_questions(stack: Stack, store: TicketService) -> None:  # noqa: F811 - the imported fixture
    """F3: a name typed into the form and a spelled-out e-mail never reach the agents' transcript."""
    say = speaker(stack)
    name = f"Dmitri Zq{uuid.uuid4().hex[:6]}"
    spelled = "zqxw" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:6])
    say(f"hello, you can reach me at {spelled} at example dot net")
    say("I want to delete my personal data")
    say(name)
    confirmation = say("talk to a person")
    if "How should our team reach you?" in confirmation:
        confirmation = say("no thanks")
    reference = _REFERENCE.search(confirmation).group(0)
    transcript = store.transcript(reference)
    assert name not in transcript and spelled not in transcript
    assert "[answer withheld: personal details]" in transcript


def test_f4_no_code_is_texted_to_a_premium_rate_number(stack: Stack, store: TicketService) -> None:  # noqa: F811 - the imported fixture
    """F4: an anonymous web chat cannot make the system text a code to +44 871 (premium rate)."""
    say = speaker(stack)
    say("I want to delete my child's data")
    say("Pat Demo")
    say("+44 871 234 5678")
    say("parent")
    say("Finn Demo")
    say("skip")
    say("11")
    reply = say("yes")
    assert "can't text a code to that number" in reply
    assert outbox_latest(stack, "+448712345678") is None


def test_f5_a_reference_with_someone_elses_email_sends_the_owner_nothing(stack: Stack, store: TicketService) -> None:  # noqa: F811 - the imported fixture
    """F5: the status check asks for the contact on the request; a wrong one sends nothing, and says the same."""
    owner = f"owner.{uuid.uuid4().hex[:8]}@example.com"
    reference = store.create(
        kind=Kind.DELETION,
        channel=Channel.WEB,
        idempotency_key=f"f5-{uuid.uuid4().hex}",
        personal=PersonalData(email=owner),
    ).ticket.reference
    attacker = speaker(stack)
    attacker("check the status of my request")
    assert "e-mail address or phone number" in attacker(reference)
    wrong = attacker("mallory@example.net")
    assert outbox_latest(stack, owner) is None
    owner_says = speaker(stack)
    owner_says("check the status of my request")
    owner_says(reference)
    right = owner_says(owner)
    assert outbox_latest(stack, owner, wait_s=5) is not None
    assert wrong == right and "If that reference and those details match" in right


def test_f3_a_childs_words_are_gone_from_the_stored_conversation(stack: Stack, store: TicketService) -> None:  # noqa: F811 - the imported fixture
    """F3: after "I'm 12" the assistant says it removed what they said; the stored conversation agrees."""
    sender = f"child-{uuid.uuid4().hex[:8]}"
    name = f"Alyosha Zq{uuid.uuid4().hex[:6]}"
    stack.texts(sender, "I want to delete my personal data")
    stack.texts(sender, name)
    assert "removed what you told me" in stack.texts(sender, "I'm 12")
    reply = httpx.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.settings.rasa_api_token}, timeout=30
    )
    reply.raise_for_status()
    users = [e.get("text") for e in reply.json()["events"] if e.get("event") == "user"]
    assert users and all(text == "[removed]" for text in users), users
    assert name not in reply.text and "I'm 12" not in reply.text
