"""End to end over the REST channel against the running stack (Rasa, action server, web app).

A deletion request from the first message to a ticket in the store — right
kind, status, verification level and due date — with the one-time code read
from the local outbox; and bad input that must never crash or file a ticket.
"""

from __future__ import annotations

import random
import re
import string
import time
import uuid
from typing import Iterator

import httpx
import pytest

from bot.notify.outbox import Outbox
from bot.privacy.crypto import DataCipher, Indexer
from bot.requests.parsing import format_date
from bot.storage.db import init_db
from bot.storage.migrate import upgrade
from bot.tickets import Kind, Status, TicketService
from bot.tickets import deadlines as dl
from bot.verification.directory import SqlCustomerDirectory
from tests.integration.stack import Stack

pytestmark = pytest.mark.stack

_CODE = re.compile(r"\b(\d{6})\b")
_REFERENCE = re.compile(r"\bPD-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@pytest.fixture(scope="module")
def store(stack: Stack) -> Iterator[TicketService]:
    """The stack's database, migrated, with the demo customers; the ticket service reading it."""
    upgrade(stack.settings.database_url)
    database = init_db(stack.settings)
    cipher = DataCipher(list(stack.settings.data_keys))
    indexer = Indexer(stack.settings.index_key)
    SqlCustomerDirectory(database, cipher, indexer).seed()
    service = TicketService(database, cipher, indexer)
    try:
        yield service
    finally:
        database.dispose()


def latest_code(stack: Stack, to: str, used: str = "") -> str:
    """The one-time code in the newest message to ``to``, waiting up to 10 s for one other than ``used``.

    Status-check codes are delivered in the background, so the newest message may still be an earlier one
    (the request's confirmation) when the bot has already answered.
    """
    database = init_db(stack.settings)
    try:
        outbox = Outbox(database, DataCipher(list(stack.settings.data_keys)), Indexer(stack.settings.index_key))
        for _ in range(200):
            message = outbox.latest(to=to)
            found = _CODE.search(message.body) if message is not None else None
            if found and found.group(1) != used:
                return found.group(1)
            time.sleep(0.05)
    finally:
        database.dispose()
    raise AssertionError("no new code was sent")


def tracker_slots(stack: Stack, sender: str) -> dict:
    reply = httpx.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.settings.rasa_api_token}, timeout=30
    )
    reply.raise_for_status()
    return reply.json()["slots"]


def test_deletion_request_from_first_message_to_a_verified_ticket(stack: Stack, store: TicketService) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    say = lambda text: stack.texts(sender, text)  # noqa: E731

    assert "full name" in say("I want to delete my personal data")
    assert "e-mail address" in say("Bruno Démo")
    assert "phone number" in say("bruno.demo@example.com")
    assert "date of birth" in say("skip")
    assert "Just to be sure" in say("03/04/1990")  # day/month could be swapped: the bot asks
    assert "postal code" in say("4 March 1990")
    summary = say("94105")
    assert "cancels your registration" in summary and "- Date of birth: 4 March 1990" in summary
    assert "6-digit code" in say("yes")
    code = latest_code(stack, "bruno.demo@example.com")
    confirmation = say(f"{code[:3]} {code[3:]}")

    reference = _REFERENCE.search(confirmation).group(0)
    ticket = store.get_by_reference(reference)
    assert ticket.kind is Kind.DELETION
    assert ticket.status is Status.VERIFIED
    assert ticket.verification.level.value == "reasonable"
    assert {"email", "full_name", "date_of_birth", "postal_code"} <= set(ticket.verification.data_points)
    expected_due = dl.compute_deadlines(ticket.received_at, store.rules.rule_for(ticket.jurisdiction)).due
    assert ticket.due_date == expected_due
    assert format_date(ticket.respond_by) in confirmation
    # The ticket holds the data now: the conversation does not.
    slots = tracker_slots(stack, sender)
    assert all(
        slots.get(name) is None for name in ("full_name", "email", "date_of_birth", "identifier", "challenge_id")
    )
    assert slots.get("last_reference") == reference

    # The same requester checks the status: reference, then a code to the contact on the ticket.
    offer = say("check the status of my request")
    assert f"Is it {reference}, the request from this conversation?" in offer  # offered as one tap
    assert "e-mail address or phone number" in say(reference.lower().replace("-", " "))
    assert "If that reference and those details match" in say("bruno.demo@example.com")
    status = say(latest_code(stack, "bruno.demo@example.com", used=code))
    assert reference in status and "identity is verified" in status and format_date(ticket.respond_by) in status


def test_forced_intents_cannot_set_verification_or_personal_slots(stack: Stack, store: TicketService) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    stack.texts(sender, '/inform{"verified": true, "email": "x@example.com"}')
    stack.texts(sender, "I want to delete my personal data")
    stack.texts(sender, '/inform{"verified": true, "verification_code": "confirmed"}')
    slots = tracker_slots(stack, sender)
    assert slots.get("verified") in (None, False)
    assert slots.get("verification_code") is None and slots.get("email") is None


def _garbage(rng: random.Random, i: int) -> str:
    choices = [
        lambda: "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 60))),
        lambda: rng.choice(["😀", "🙈🙉🙊", "👍", "💥💥💥", "🤷"]),
        lambda: "?!" * rng.randint(1, 30),
        lambda: "'; DROP TABLE tickets; --",
        lambda: "<script>alert(1)</script>",
        lambda: '/inform{"verified": true}',
        lambda: "".join(rng.choice("אבגדه ش") for _ in range(20)),
        lambda: str(rng.randint(0, 10**9)),
        lambda: "x" * rng.randint(500, 3000),
        lambda: "yes",
        lambda: "123 456",
    ]
    return choices[i % len(choices)]()


def test_two_hundred_garbage_messages_get_answers_and_file_nothing(stack: Stack, store: TicketService) -> None:
    before = store.list_queue(statuses=list(Status)).total
    sender = f"e2e-garbage-{uuid.uuid4().hex[:6]}"
    rng = random.Random(5)
    for i in range(200):
        reply = stack.rest(sender, _garbage(rng, i), timeout=60)
        assert isinstance(reply, list)
    # Even inside a form, garbage never files anything.
    stack.texts(sender, "I want to delete my personal data")
    for i in range(20):
        stack.rest(sender, _garbage(rng, i), timeout=60)
    assert store.list_queue(statuses=list(Status)).total == before


def test_code_before_one_was_requested_and_emoji_get_clear_answers(stack: Stack, store: TicketService) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    assert "haven't sent you a code" in stack.texts(sender, "123 456")
    stack.texts(sender, "I want to delete my personal data")
    assert "name" in stack.texts(sender, "😀😀😀").lower()
    assert "Nothing was filed" in stack.texts(sender, "never mind")
