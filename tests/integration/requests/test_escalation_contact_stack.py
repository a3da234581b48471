"""A person over the REST channel when the conversation has no contact: the question, the answer, the ticket.

Against the running stack (Rasa with the trained model, action server, web app):
the contact the user types ends up on the escalation ticket (read back as an
agent would, via ``reveal_personal_data``), leaves the conversation's slots, and
is never written to a log or the stored transcript.
"""

from __future__ import annotations

import re
import uuid
from typing import Iterator

import httpx
import pytest

from bot.company import current_profile
from bot.privacy.crypto import DataCipher, Indexer
from bot.storage.db import init_db
from bot.storage.migrate import upgrade
from bot.tickets import Kind, RevealReason, TicketService
from tests.integration.stack import Stack

pytestmark = pytest.mark.stack

QUESTION = "How should our team reach you?"
_REFERENCE = re.compile(r"\bPD-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@pytest.fixture(scope="module")
def store(stack: Stack) -> Iterator[TicketService]:
    upgrade(stack.settings.database_url)
    database = init_db(stack.settings)
    service = TicketService(database, DataCipher(list(stack.settings.data_keys)), Indexer(stack.settings.index_key))
    try:
        yield service
    finally:
        database.dispose()


def slots_of(stack: Stack, sender: str) -> dict:
    reply = httpx.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.settings.rasa_api_token}, timeout=30
    )
    reply.raise_for_status()
    return reply.json()["slots"]


def test_a_person_asked_for_without_a_contact_gets_the_question_and_the_ticket_has_the_email(
    stack: Stack, store: TicketService
) -> None:
    sender = f"esc-{uuid.uuid4().hex[:8]}"
    canary = f"canary.{uuid.uuid4().hex[:12]}@example.com"
    say = lambda text: stack.texts(sender, text)  # noqa: E731

    assert QUESTION in say("I want to talk to a person")
    again = say("call me at home")  # neither an e-mail address nor a phone number
    assert "e-mail address" in again and QUESTION in again
    confirmation = say(canary)

    found = _REFERENCE.search(confirmation)
    assert found, confirmation
    assert "They'll reply by e-mail to c***@example.com" in confirmation and canary not in confirmation
    ticket = store.get_by_reference(found.group(0))
    assert ticket.kind is Kind.ESCALATION and ticket.has_personal_data
    assert (
        store.reveal_personal_data(ticket.reference, actor="agent:e2e", reason=RevealReason.FULFIL_REQUEST).email
        == canary
    )
    # The ticket holds the contact now; the conversation, the transcript and the logs do not.
    assert slots_of(stack, sender).get("escalation_contact") is None
    assert canary not in (store.transcript(ticket.reference) or "")
    logs = stack.logs()
    assert canary not in logs and canary.upper() not in logs and canary.split("@")[0] not in logs


def test_no_thanks_files_the_escalation_without_a_contact_and_says_how_to_follow_up(
    stack: Stack, store: TicketService
) -> None:
    sender = f"esc-{uuid.uuid4().hex[:8]}"
    assert QUESTION in stack.texts(sender, "can I speak to a human")
    confirmation = stack.texts(sender, "no thanks")
    found = _REFERENCE.search(confirmation)
    assert found, confirmation
    assert f"{current_profile().privacy_email} quoting {found.group(0)}" in confirmation
    ticket = store.get_by_reference(found.group(0))
    assert ticket.kind is Kind.ESCALATION and not ticket.has_personal_data
