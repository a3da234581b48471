"""The number an SMS or call comes from, used as the contact, end to end against the running stack.

A stack of its own (real Rasa, action server, ticket store) whose notifier is the
production path: the real twilio REST client pointed at the fake Twilio API on
loopback (``OUTBOX_DISABLED=true``, ``TWILIO_API_BASE``).  So every SMS the
system sends — replies and one-time codes — is recorded by the fake API, and the
webhooks are signed with the same account's auth token.

1. A parent texts to delete a child's registration, picks "Use the number
   ending NNNN", receives the code by SMS on that number, texts it back: a
   ticket is filed with that phone (read back through ``TicketService``'s
   audited reveal, never from the database in clear).
2. A caller asks for deletion, presses 1 to use the number they call from, the
   code is texted to that number, they press star for a new one, key a wrong
   one, then the right one: the ticket is verified, and every TwiML answer
   listens (the code turns with a keypad ``<Gather>``) — no dead air.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlparse
from xml.etree.ElementTree import Element

import pytest

from bot.privacy.crypto import DataCipher, Indexer
from bot.settings import PROJECT_ROOT
from bot.storage.db import init_db
from bot.storage.migrate import upgrade
from bot.tickets import RevealReason, TicketService
from bot.verification.directory import SqlCustomerDirectory
from tests.conftest import make_environ
from tests.fakes.twilio_api import FakeTwilioApi
from tests.integration.stack import Stack, start_stack
from tests.unit.channels import twiml
from tests.unit.channels.harness import SMS_PATH, VOICE_PATH, call_sid, message_sid, signed_post

pytestmark = pytest.mark.stack

CODE = re.compile(r"verification code is (\d{6})")
REFERENCE = re.compile(r"\bPD-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
SPOKEN_REFERENCE = re.compile(r"P D, ((?:[0-9A-Z] ){3}[0-9A-Z]), ((?:[0-9A-Z] ){3}[0-9A-Z])")
SPOKEN_OPTION = re.compile(r'Say "([^"]+)", or press (\d)\.')
BRUNO_PHONE = "+12025550101"  # the demo customer Bruno Démo's phone on file


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi() as api:
        yield api


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, twilio_api: FakeTwilioApi) -> Iterator[Stack]:
    """The stack, sending SMS through the real twilio client to the fake Twilio API."""
    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        pytest.fail("no trained model: run 'make test' (it trains first) or 'make train'")
    base: Path = tmp_path_factory.mktemp("contact-stack")
    environ = make_environ(
        base / "var",
        OUTBOX_DISABLED="true",
        TWILIO_API_BASE=twilio_api.base_url,
        TWILIO_ACCOUNT_SID=twilio_api.account_sid,
        TWILIO_AUTH_TOKEN=twilio_api.auth_token,
    )
    (base / "var").mkdir(parents=True, exist_ok=True)
    running = start_stack(base, environ)
    try:
        upgrade(running.settings.database_url)
        database = init_db(running.settings)
        SqlCustomerDirectory(
            database, DataCipher(list(running.settings.data_keys)), Indexer(running.settings.index_key)
        ).seed()
        database.dispose()
        yield running
    finally:
        assert running.supervisor is not None
        running.supervisor.stop_all()


@pytest.fixture(scope="module")
def tickets(live: Stack) -> Iterator[TicketService]:
    service = TicketService.from_settings(live.settings)
    yield service
    service.database.dispose()


def sms_to(api: FakeTwilioApi, phone: str) -> List[str]:
    return [m.body for m in api.messages if m.to == phone]


def codes_to(api: FakeTwilioApi, phone: str) -> List[str]:
    return [found.group(1) for found in (CODE.search(body) for body in sms_to(api, phone)) if found]


# --------------------------------------------------------------------------- SMS


class Texter:
    """One phone texting the stack; what comes back is read from the fake Twilio API."""

    def __init__(self, stack: Stack, api: FakeTwilioApi, phone: str) -> None:
        self.stack, self.api, self.phone = stack, api, phone

    def text(self, body: str, timeout: float = 90.0) -> List[str]:
        before = len(sms_to(self.api, self.phone))
        params = {
            "MessageSid": message_sid(),
            "AccountSid": self.api.account_sid,
            "From": self.phone,
            "To": self.stack.settings.twilio_number,
            "Body": body,
            "NumMedia": "0",
        }
        reply = signed_post(
            self.stack.rasa_url, self.stack.settings.public_base_url, self.api.auth_token, SMS_PATH, params, timeout=60
        )
        assert reply.status_code == 200, reply.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(sms_to(self.api, self.phone)) > before:
                time.sleep(1.0)  # a turn may text a code and then its reply
                return sms_to(self.api, self.phone)[before:]
            time.sleep(0.2)
        raise AssertionError(f"no SMS within {timeout}s; logs:\n{self.stack.logs()[-3000:]}")

    def whole(self, replies: List[str]) -> str:
        """The last reply with its "reply MORE" pages, fetched like a texter would."""
        replies = [r for r in replies if not CODE.search(r)] or replies
        pages = [replies[-1]]
        while pages[-1].endswith("(reply MORE)") and len(pages) < 10:
            pages.append(self.text("MORE")[-1])
        return " ".join(page.removesuffix(" ... (reply MORE)") for page in pages)


def numbered_option(prompt: str, title_start: str) -> Optional[str]:
    found = re.search(rf"^(\d)\) {re.escape(title_start)}", prompt, re.MULTILINE | re.IGNORECASE)
    return found.group(1) if found else None


def test_a_parent_uses_the_number_they_text_from_and_gets_the_code_there(
    live: Stack, twilio_api: FakeTwilioApi, tickets: TicketService
) -> None:
    parent = Texter(live, twilio_api, "+12025550177")
    replies = parent.text("I want to delete my child's registration")
    transcript: List[str] = []
    contact_question: Optional[str] = None
    contact_answer: Optional[str] = None
    reference = None
    for _ in range(16):
        prompt = parent.whole(replies)
        transcript.append("BOT: " + prompt)
        found = REFERENCE.search(prompt)
        if found:
            reference = found.group(0)
            break
        lowered = prompt.lower()
        if "texted a 6-digit code" in lowered or "type the 6-digit code" in lowered:
            answer = codes_to(twilio_api, parent.phone)[-1]
        elif "reach you" in lowered:
            contact_question = prompt
            answer = contact_answer = numbered_option(prompt, "Use the number ending 0177") or "?"
        elif "is everything right" in lowered:
            answer = numbered_option(prompt, "Yes") or "yes"
        elif "your full name" in lowered:
            answer = "Jane Smith"
        elif "relationship" in lowered:
            answer = "I'm his mother"
        elif "child's full name" in lowered:
            answer = "Tom Smith"
        elif "register with" in lowered:
            answer = "tom.smith@example.com"
        elif "how old" in lowered:
            answer = "12"
        else:
            answer = "yes"
        transcript.append("PARENT: " + answer)
        replies = parent.text(answer)
    story = "\n".join(transcript)
    assert contact_question is not None and "ending 0177" in contact_question, story
    assert "+12025550177" not in contact_question and "5550177" not in contact_question, "the question masks the number"
    assert contact_answer == "1", "the sender's number is the first numbered option"
    assert reference, story + "\n" + live.logs()[-3000:]

    [code_message] = [m for m in twilio_api.messages if m.to == parent.phone and CODE.search(m.body)]
    assert code_message.from_ == live.settings.twilio_number and code_message.encoding == "GSM-7"
    assert "texted a 6-digit code to the number ending 0177" in story
    ticket = tickets.get_by_reference(reference)
    assert (ticket.kind.value, ticket.channel.value, ticket.status.value) == (
        "parental_deletion",
        "sms",
        "awaiting_documents",
    )
    assert ticket.verification.method.value == "sms_code"
    personal = tickets.reveal_personal_data(reference, actor="test-agent", reason=RevealReason.VERIFY_IDENTITY)
    assert personal.phone == parent.phone and personal.email is None


# --------------------------------------------------------------------------- voice


class Caller:
    """One phone call, played like Twilio plays it: signed posts, following Gather actions and Redirects."""

    def __init__(self, stack: Stack, api: FakeTwilioApi, phone: str) -> None:
        self.stack, self.api, self.phone, self.sid = stack, api, phone, call_sid()
        self.heard: List[str] = []

    def post(self, url: str = "", **fields: str) -> Element:
        params = {
            "CallSid": self.sid,
            "AccountSid": self.api.account_sid,
            "From": self.phone,
            "To": self.stack.settings.twilio_number,
            "CallStatus": "in-progress",
            **fields,
        }
        reply = signed_post(
            self.stack.rasa_url,
            self.stack.settings.public_base_url,
            self.api.auth_token,
            VOICE_PATH,
            params,
            urlparse(url).query,
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        root = twiml.parse(reply.text)
        assert twiml.ends_the_turn(root), reply.text  # no dead air
        self.heard.append(twiml.all_speech(root))
        return root

    def answer(self, root: Element, **fields: str) -> Element:
        """Answer the open Gather; wait through "one moment" redirects for the bot's reply."""
        root = self.post(twiml.gather(root).get("action"), **fields)
        while twiml.spoken(root)[-1:] == ["One moment, please."]:
            root = self.post(root.find("Redirect").text)
        return root


def options(root: Element) -> Dict[str, str]:
    return {title.lower(): digit for title, digit in SPOKEN_OPTION.findall(twiml.all_speech(root))}


def key_for(root: Element, title_start: str) -> str:
    for title, digit in options(root).items():
        if title.startswith(title_start.lower()):
            return digit
    raise AssertionError(f"no option {title_start!r} in: {twiml.all_speech(root)}")


def is_keypad_turn(root: Element) -> bool:
    gather = twiml.gather(root)
    return gather.get("numDigits") == "6"


def test_a_caller_verifies_a_deletion_with_a_code_texted_to_the_calling_number(
    live: Stack, twilio_api: FakeTwilioApi, tickets: TicketService
) -> None:
    caller = Caller(live, twilio_api, BRUNO_PHONE)
    root = caller.post(CallStatus="ringing")
    assert "Calls may be recorded" in twiml.all_speech(root)
    root = caller.answer(root, SpeechResult="I want to delete my personal data", Confidence="0.9")
    keypad_turns: List[Tuple[str, Element]] = []
    plan = iter(["*", "000000", "latest"])  # a new code, a wrong code, then the right one
    reference = None
    for _ in range(16):
        speech = twiml.all_speech(root)
        found = SPOKEN_REFERENCE.search(speech)
        if found:
            reference = f"PD-{found.group(1).replace(' ', '')}-{found.group(2).replace(' ', '')}"
            break
        lowered = speech.lower()
        if is_keypad_turn(root):
            step = next(plan)
            keypad_turns.append((speech, twiml.gather(root)))
            digits = codes_to(twilio_api, BRUNO_PHONE)[-1] if step == "latest" else step
            root = caller.answer(root, Digits=digits)
        elif "go ahead" in lowered or "is everything right" in lowered:  # the summary (it names every field)
            assert "text a code to the number ending 0 1 0 1" in lowered, speech
            root = caller.answer(root, Digits=key_for(root, "Yes"))
        elif "phone number" in lowered:
            assert "ending 0 1 0 1" in lowered and "calling from" in lowered, speech
            root = caller.answer(root, Digits=key_for(root, "Use the number ending"))
        elif "full name" in lowered:
            root = caller.answer(root, SpeechResult="Bruno Demo", Confidence="0.9")
        elif "e-mail address" in lowered:
            root = caller.answer(root, SpeechResult="bruno dot demo at example dot com", Confidence="0.9")
        elif "date of birth" in lowered:
            root = caller.answer(root, SpeechResult="March 4 1990", Confidence="0.9")
        elif "postal code" in lowered:
            root = caller.answer(root, Digits=key_for(root, "Skip"))
        else:
            raise AssertionError("unexpected prompt: " + speech + "\n" + live.logs()[-3000:])
    story = "\n".join(caller.heard)
    assert reference, story + "\n" + live.logs()[-3000:]

    # The code turns: texted to the calling number, keyed in on a dtmf Gather that submits at 6 digits.
    assert len(keypad_turns) == 3, story
    first_prompt, gather = keypad_turns[0]
    assert "texted a 6-digit code to the number ending 0 1 0 1" in first_prompt and "keypad" in first_prompt
    assert (
        "dtmf" in gather.get("input")
        and gather.get("finishOnKey") == "#"
        and gather.get("actionOnEmptyResult") == "true"
    )
    assert "texted a 6-digit code" in keypad_turns[1][0], "star sent a new code"
    assert "isn't right" in keypad_turns[2][0] and "keypad" in keypad_turns[2][0]
    code_messages = [m for m in twilio_api.messages if m.to == BRUNO_PHONE and CODE.search(m.body)]
    assert len(code_messages) == 2 and all(m.from_ == live.settings.twilio_number for m in code_messages)
    assert len(set(codes_to(twilio_api, BRUNO_PHONE))) == 2
    assert not [
        m for m in twilio_api.messages if m.to == BRUNO_PHONE and not CODE.search(m.body)
    ], "a call gets no chat SMS"

    ticket = tickets.get_by_reference(reference)
    assert (ticket.kind.value, ticket.channel.value, ticket.status.value) == ("deletion", "voice", "verified")
    assert (ticket.verification.method.value, ticket.verification.level.value) == ("sms_code", "reasonable")
    assert "phone" in ticket.verification.data_points
    personal = tickets.reveal_personal_data(reference, actor="test-agent", reason=RevealReason.VERIFY_IDENTITY)
    assert personal.phone == BRUNO_PHONE and personal.email == "bruno.demo@example.com"
    # The confirmation is read out and the call goes on listening.
    assert twiml.gather(root) is not None and [child.tag for child in root][-1] != "Hangup"
