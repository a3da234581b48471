"""What an escalation's transcript shows the agents (finding F3): no answers to personal-data questions,
no obfuscated e-mails or street addresses, and nothing a child said once the assistant said it removed it."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from actions.privacy_requests import messages
from actions.privacy_requests.escalation import ActionEscalate
from bot.privacy.masking import mask_text
from tests.unit.requests.support import build_tracker, run_action


def asked(slot: str, question: str) -> List[Dict[str, Any]]:
    return [{"event": "slot", "name": "requested_slot", "value": slot}, {"event": "bot", "text": question}]


def said(text: str) -> Dict[str, Any]:
    return {"event": "user", "text": text}


async def transcript_of(backend, events: List[Dict[str, Any]]) -> str:
    tracker = build_tracker(
        "talk to a person", "talk_to_person", slots={"email": "dmitri@example.net"}, events=events, active_loop=None
    )
    await run_action(ActionEscalate(), tracker)
    ticket = backend.tickets.list_queue().items[0]
    return backend.tickets.transcript(ticket.reference)


async def test_answers_to_personal_questions_never_reach_the_transcript(backend):
    """F3: names, addresses, dates of birth and child details typed into a form are withheld from agents."""
    answers = {
        "full_name": "Dmitri Karamazov",
        "date_of_birth": "the fourth of July nineteen eighty",
        "identifier": "Flat 2, Skotoprigonyevsk House",
        "child_name": "Ilyusha Snegiryov",
        "parent_contact": "dmitri at example dot net",
    }
    events: List[Dict[str, Any]] = [said("I want to delete my data")]
    for slot, answer in answers.items():
        events += [*asked(slot, f"What is your {slot}?"), said(answer)]
    text = await transcript_of(backend, events)
    for answer in answers.values():
        assert answer not in text
    assert "I want to delete my data" in text and text.count("[answer withheld: personal details]") == len(answers)


async def test_a_name_typed_at_the_change_of_mind_confirmation_is_withheld(backend):
    """F3: the switch confirmation is asked in place of an identity question; a name typed there is withheld."""
    events: List[Dict[str, Any]] = [
        said("I want to see my data"),
        *asked("full_name", "What is your full name?"),
        said("actually delete it instead"),
        *asked("switch_confirmed", "Just to check: you'd like to delete your personal information instead?"),
        said("Dmitri Karamazov"),
    ]
    text = await transcript_of(backend, events)
    assert "Dmitri" not in text and "I want to see my data" in text
    assert text.count("[answer withheld: personal details]") == 2


async def test_what_a_child_said_is_discarded_once_the_assistant_says_it_removed_it(backend):
    """F3: a user who said they are 12: none of their words are kept after the assistant said it removed them."""
    events = [
        said("hi i want to delete my account"),
        said("i'm 12 and my name is Alyosha"),
        {"event": "bot", "text": messages.CHILD_STOP},
    ]
    text = await transcript_of(backend, events)
    assert "Alyosha" not in text and "i'm 12" not in text and "delete my account" not in text
    assert "[removed: the user said they are under 13]" in text


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("write to dmitri at example dot net", "dmitri"),
        ("it's dmitri (at) example [dot] net", "example"),
        ("x@@example.net", "example.net"),
        ("dmitri @ example . net", "example"),
        ("I live at 12 Baker Street, Apt 4B", "Baker"),
        ("send it to 221B Baker St.", "221B"),
        ("PO Box 1234", "1234"),
        ("my postcode is SW1A 1AA", "SW1A"),
    ],
)
def test_obfuscated_emails_and_street_addresses_are_masked(typed, kept):
    """F3: e-mails spelled out or mistyped, and street addresses, are masked in transcripts and logs."""
    assert kept not in mask_text(typed)


def test_ordinary_sentences_with_at_and_numbers_stay_readable():
    for text in ("I have 3 questions about the policy", "what data do you keep at all", "I called at 10 am"):
        assert mask_text(text) == text
