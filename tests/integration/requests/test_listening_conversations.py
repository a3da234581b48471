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
    stack: Stack,
    store: TicketService,  # noqa: F811 - the shared fixture
) -> None:
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


def _conversation(stack: Stack):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    return lambda text: stack.texts(sender, text)


def test_a_change_of_mind_mid_form_switches_the_request_after_one_confirmation(stack: Stack) -> None:
    say = _conversation(stack)
    say("can I get a copy of everything you know about me")
    say("a copy of specific pieces")
    check = say("actually I changed my mind, I'd rather just delete my data instead")
    assert "Just to check" in check and "@ sign" not in check
    switched = say("yes")
    assert "changed this to a request to delete" in switched and "full name" in switched


def test_x_is_wrong_its_y_corrects_the_earlier_answer_and_goes_on(stack: Stack) -> None:
    say = _conversation(stack)
    say("I want to delete my personal data")
    say("Bruno Démo")
    assert "phone number" in say("bruno.demo@exmaple.com")
    corrected = say("oops my email is wrong, it's bruno.demo@example.com")
    assert "changed" in corrected and "phone number" in corrected and "e-mail address?" not in corrected


def test_a_question_right_after_a_form_opened_is_answered_and_the_request_offered(stack: Stack) -> None:
    say = _conversation(stack)
    say("can I get a copy of everything you know about me")
    answer = say("does the app have access to my camera?")
    assert "back to your request" not in answer and "just say so" in answer
    assert "back to your request" not in say("who do you share my data with?")


def test_a_free_text_answer_is_taken_not_answered_with_a_policy_quote_and_the_same_question(stack: Stack) -> None:
    say = _conversation(stack)
    say("I want a copy of my data")
    asked = say("a copy of specific pieces")
    reply = say("my order history and whatever you got from phone calls")
    assert "full name" in reply and reply != asked


def test_a_reference_in_the_first_message_starts_the_status_check_with_it(stack: Stack) -> None:
    reply = _conversation(stack)("any news on PD-YM24-HRXT")
    assert "e-mail address or phone number" in reply and "reference of your request" not in reply


def test_a_change_of_mind_during_a_status_check_starts_the_request(stack: Stack) -> None:
    say = _conversation(stack)
    say("check the status of my request")
    reply = say("actually I'd rather just delete my data instead")
    assert "left the status check" in reply and "full name" in reply
