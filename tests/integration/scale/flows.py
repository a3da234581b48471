"""Scripted conversations (every flow the assistant has) and how to check them.

A flow is a list of turns; each turn is what the user sends and a check on the
bot's reply text.  Flows only use phrasings from the NLU data, so the model's
prediction is not what is under test here — the replicas are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Tuple

from bot.rasa.failsafe import ACTION_FAILED_TEXT


@dataclass(frozen=True)
class Turn:
    message: str
    check: Callable[[str], bool]
    describe: str


def says(*fragments: str) -> Callable[[str], bool]:
    lowered = [f.lower() for f in fragments]
    return lambda text: any(f in text.lower() for f in lowered)


def answers_policy(text: str) -> bool:
    """A policy answer quotes its section (actions/policy.py)."""
    return 'From the policy, section "' in text and ACTION_FAILED_TEXT not in text


def tells_more(text: str) -> bool:
    return ('More from section "' in text or "That's everything the section" in text) and ACTION_FAILED_TEXT not in text


GREETING = Turn("hello", says("privacy assistant"), "greeting")
BOT = Turn("are you a bot?", says("automated assistant"), "bot challenge")
BYE = Turn("bye", says("goodbye"), "goodbye")
THANKS = Turn("thanks", lambda text: bool(text.strip()), "thanks answered")

FLOWS: Dict[str, List[Turn]] = {
    "policy-calls": [
        GREETING,
        Turn("do you record phone calls?", answers_policy, "policy answer (calls)"),
        Turn("tell me more", tells_more, "tell me more"),
        THANKS,
        BYE,
    ],
    "policy-sharing": [
        Turn("hi", says("privacy assistant"), "greeting"),
        Turn("do you share my data with other companies?", answers_policy, "policy answer (sharing)"),
        BOT,
        BYE,
    ],
    "policy-storage": [
        Turn("hey", says("privacy assistant"), "greeting"),
        Turn("where is my data stored?", answers_policy, "policy answer (storage)"),
        Turn("who does your fraud checks?", answers_policy, "policy answer (processors)"),
        BYE,
    ],
}


def _domain() -> Dict:
    import yaml

    from bot.settings import PROJECT_ROOT

    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def _forms() -> Sequence[str]:
    return list(_domain().get("forms") or {})


LEFT_FORM = says("nothing was filed")
if "request_form" in _forms():  # a request form: start, answer, leave
    FLOWS["deletion-form"] = [
        Turn("I want to delete my personal data", says("full name"), "deletion form asks the name"),
        Turn("Jane Example", says("e-mail"), "deletion form takes the name, asks the e-mail"),
        Turn(
            "jane.example@example.com",
            lambda t: bool(t.strip()) and ACTION_FAILED_TEXT not in t,
            "deletion form takes the e-mail",
        ),
        Turn("never mind", LEFT_FORM, "leaving the form discards it"),
    ]
ESCALATION_FLOW = "escalation"
if "action_escalate" in (_domain().get("actions") or []):
    # asking for a person files one escalation ticket per conversation, whatever the replica
    FLOWS[ESCALATION_FLOW] = [
        Turn("hi", says("privacy assistant"), "greeting"),
        Turn("talk to a person", says("How should our team reach you?"), "a person: how to reach the user"),
        Turn("no thanks", says("passed this conversation to our privacy team (reference PD-"), "escalation filed"),
        THANKS,
    ]
if "status_form" in _forms():  # a status check: asks the reference, then leaves
    FLOWS["status-check"] = [
        Turn("what's the status of my request?", says("reference"), "status check asks the reference"),
        Turn(
            "never mind", says("stopped the status check"), "leaving the status check (the request itself is untouched)"
        ),
        BYE,
    ]


def flow_names() -> Sequence[str]:
    return sorted(FLOWS)


def check_reply(turn: Turn, reply_text: str) -> Tuple[bool, str]:
    return turn.check(reply_text), turn.describe
