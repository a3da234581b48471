"""End to end over REST: forms that listen, against the running stack (Rasa, action server, web app).

A parent's single SMS-style message with the child's age becomes a parental ticket
without the bot asking again for what the message already said; a reference typed in a
sentence at the status prompt is read, never taken for "never mind".
"""
from __future__ import annotations

import re
import uuid

import pytest

from bot.tickets import Kind, Priority, Status, TicketService
from tests.integration.requests.test_request_conversations import latest_code, store  # noqa: F401 - fixture
from tests.integration.stack import Stack

pytestmark = pytest.mark.stack

_REFERENCE = re.compile(r"\bPD-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
_ASK_RELATIONSHIP = "relationship to the child"
_ASK_AGE = "How old is the child"


def test_a_parent_sms_style_message_with_the_child_age_files_a_parental_ticket_without_asking_again(
        stack: Stack, store: TicketService) -> None:  # noqa: F811
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    replies = []

    def say(text: str) -> str:
        replies.append(stack.texts(sender, text))
        return replies[-1]

    assert "full name" in say("hi my son is 11 n made an acct on ur site w/o asking, pls delete it")
    assert "e-mail address or mobile number" in say("Pat Demo")
    assert "child's full name" in say("pat.demo@example.com")
    assert "register with" in say("Finn Demo")
    summary = say("I don't know")
    assert "Relationship to the child: parent" in summary and "Child's age: 11" in summary
    assert "6-digit code" in say("yes")
    confirmation = say(latest_code(stack, "pat.demo@example.com"))

    reference = _REFERENCE.search(confirmation).group(0)
    ticket = store.get_by_reference(reference)
    assert ticket.kind is Kind.PARENTAL_DELETION
    assert ticket.status is Status.AWAITING_DOCUMENTS and ticket.priority is Priority.HIGH
    # What the first message said was never asked for.
    assert not any(_ASK_RELATIONSHIP in reply or _ASK_AGE in reply for reply in replies)


def test_a_reference_in_a_sentence_at_the_status_prompt_is_read_not_taken_for_never_mind(stack: Stack) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    assert "reference" in stack.texts(sender, "check the status of my request")
    reply = stack.texts(sender, "it's PD-YM24-HRXT")
    assert "Nothing was filed" not in reply and "stopped" not in reply
    assert "doesn't look like one of our references" not in reply
    assert "e-mail address or phone number" in reply  # the next question: the contact on the request
