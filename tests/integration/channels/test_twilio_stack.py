"""The Twilio channels inside the running stack (real Rasa, action server, ticket store).

Requests are signed like Twilio signs them, over ``PUBLIC_BASE_URL`` + path; SMS
replies land in the local profile's outbox (the design's local behaviour; the
real-client path is ``test_sms_real_twilio_client.py``).
"""

from __future__ import annotations

import re
import statistics
import time
from typing import Dict, Iterator, List, Optional
from urllib.parse import urlparse

import pytest

from bot.company import current_profile
from bot.notify import MessageChannel, Outbox
from bot.privacy.crypto import DataCipher, Indexer
from bot.storage.db import init_db
from bot.storage.migrate import upgrade
from tests.integration.stack import Stack
from tests.unit.channels import twiml
from tests.unit.channels.harness import SMS_PATH, VOICE_PATH, call_sid, message_sid, signed_post

pytestmark = pytest.mark.stack

REFERENCE = re.compile(r"\bPD-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
CODE = re.compile(r"\b(\d{6})\b")


class Twilio:
    """Plays Twilio against the stack: signed webhooks in, the outbox for what went out."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.settings = stack.settings
        self.database = init_db(stack.settings)
        self.outbox = Outbox(
            self.database, DataCipher(list(stack.settings.data_keys)), Indexer(stack.settings.index_key)
        )
        self.webhook_seconds: List[float] = []

    def post(self, path: str, params: Dict[str, str], query: str = "", signature: Optional[str] = None):
        started = time.perf_counter()
        reply = signed_post(
            self.stack.rasa_url,
            self.settings.public_base_url,
            self.settings.twilio_auth_token,
            path,
            params,
            query,
            signature,
            timeout=60,
        )
        self.webhook_seconds.append(time.perf_counter() - started)
        return reply

    def sent_to(self, phone: str) -> List[str]:
        return [m.body for m in reversed(self.outbox.list(channel=MessageChannel.SMS, to=phone, limit=1000))]

    def text(self, phone: str, body: str, timeout: float = 90.0) -> List[str]:
        """Send one SMS; return every SMS sent to ``phone`` because of it."""
        before = len(self.sent_to(phone))
        params = {
            "MessageSid": message_sid(),
            "AccountSid": self.settings.twilio_account_sid,
            "From": phone,
            "To": self.settings.twilio_number,
            "Body": body,
            "NumMedia": "0",
        }
        reply = self.post(SMS_PATH, params)
        assert reply.status_code == 200, reply.text
        assert list(twiml.parse(reply.text)) == []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sent = self.sent_to(phone)
            if len(sent) > before:
                time.sleep(1.0)  # a turn may send a code and then its reply
                return self.sent_to(phone)[before:]
            time.sleep(0.2)
        raise AssertionError(f"no SMS reply within {timeout}s; logs:\n{self.stack.logs()[-3000:]}")


@pytest.fixture(scope="module")
def twilio(stack: Stack) -> Iterator[Twilio]:
    upgrade(stack.settings.database_url)
    peer = Twilio(stack)
    yield peer
    peer.database.dispose()
    timings = sorted(peer.webhook_seconds)
    if timings:  # numbers for the report (pytest -s), not an assertion
        print(
            f"\nTwilio webhooks against the stack: {len(timings)} requests, median "
            f"{statistics.median(timings) * 1000:.0f} ms, max {timings[-1] * 1000:.0f} ms"
        )


def _answer_parental_prompt(prompt: str, parent_phone: str, twilio: Twilio) -> str:
    lowered = prompt.lower()
    if "code" in lowered and ("type" in lowered or "sent" in lowered) and "is everything right" not in lowered:
        codes = [CODE.search(body) for body in twilio.sent_to(parent_phone)]
        codes = [m.group(1) for m in codes if m]
        assert codes, "no one-time code reached the parent's phone"
        return codes[-1]
    if "is everything right" in lowered or 'say "yes"' in lowered:
        option = re.search(r"^(\d)\) yes\b", lowered, re.MULTILINE)
        return option.group(1) if option else "yes"  # a numbered option, as a texter would
    if "your full name" in lowered:
        return "Jane Smith"
    if "reach you" in lowered:
        return parent_phone
    if "relationship" in lowered:
        return "I'm his mother"
    if "child's full name" in lowered or "child's name" in lowered:
        return "Tom Smith"
    if "register with" in lowered or "username" in lowered:
        return "tom.smith@example.com"
    if "how old" in lowered:
        return "12"
    return "yes"


def _whole_reply(twilio: Twilio, phone: str, replies: List[str]) -> str:
    """The last reply, with every "reply MORE" page fetched the way a texter would."""
    pages = [replies[-1]]
    while pages[-1].endswith("(reply MORE)") and len(pages) < 10:
        pages.append(twilio.text(phone, "MORE")[-1])
    return " ".join(page.removesuffix(" ... (reply MORE)") for page in pages)


def test_a_whole_parental_deletion_by_sms(twilio: Twilio) -> None:
    parent = "+12025550171"
    replies = twilio.text(parent, "I want to delete my child's registration")
    transcript: List[str] = []
    reference = None
    for _ in range(16):
        for reply in replies:
            assert len(reply) <= 320 and "**" not in reply and "<b>" not in reply
            assert not re.search(r"\b(reply|say|type)\s+\W?cancel\b", reply, re.IGNORECASE)
        prompt = _whole_reply(twilio, parent, replies)
        transcript.append("BOT: " + prompt)
        found = REFERENCE.search(prompt)
        if found:
            reference = found.group(0)
            break
        answer = _answer_parental_prompt(prompt, parent, twilio)
        transcript.append("PARENT: " + answer)
        replies = twilio.text(parent, answer)
    assert reference, "no reference:\n" + "\n".join(transcript) + "\n" + twilio.stack.logs()[-3000:]
    from bot.tickets.service import TicketService

    service = TicketService.from_settings(twilio.settings, database=twilio.database)
    ticket = service.get_by_reference(reference)
    assert (ticket.kind.value, ticket.channel.value, ticket.status.value) == (
        "parental_deletion",
        "sms",
        "awaiting_documents",
    )
    assert any("1) " in line for line in transcript), "the confirmation was offered as numbered options"


def test_a_policy_question_by_sms_is_answered_in_plain_text(twilio: Twilio) -> None:
    replies = twilio.text("+12025550172", "Do you record my phone calls?")
    answer = " ".join(replies).lower()
    assert "record" in answer, twilio.stack.logs()[-4000:]
    assert all(len(r) <= 320 for r in replies) and "**" not in answer


def test_help_and_stop_by_sms(twilio: Twilio) -> None:
    phone = "+12025550173"
    [help_text] = twilio.text(phone, "HELP")
    assert current_profile().display_name in help_text and "AGENT" in help_text
    twilio.post(SMS_PATH, {"MessageSid": message_sid(), "From": phone, "Body": "STOP"})
    time.sleep(2)
    twilio.post(SMS_PATH, {"MessageSid": message_sid(), "From": phone, "Body": "what do you know about me?"})
    time.sleep(3)
    assert twilio.sent_to(phone) == [help_text]


def test_unsigned_requests_never_reach_rasa(twilio: Twilio) -> None:
    phone = "+12025550174"
    sms = twilio.post(SMS_PATH, {"MessageSid": message_sid(), "From": phone, "Body": "hello"}, signature="")
    voice = twilio.post(VOICE_PATH, {"CallSid": call_sid(), "From": phone}, query="step=gather&silence=0", signature="")
    assert (sms.status_code, voice.status_code) == (403, 403)
    time.sleep(2)
    assert twilio.sent_to(phone) == []


def test_a_whole_policy_question_call_by_voice(twilio: Twilio) -> None:
    sid, caller = call_sid(), "+12025550175"

    def post(url: str = "", **fields: str):
        params = {
            "CallSid": sid,
            "AccountSid": twilio.settings.twilio_account_sid,
            "From": caller,
            "To": twilio.settings.twilio_number,
            "CallStatus": "in-progress",
            **fields,
        }
        reply = twilio.post(VOICE_PATH, params, query=urlparse(url).query)
        assert reply.status_code == 200, reply.text
        root = twiml.parse(reply.text)
        assert twiml.ends_the_turn(root), reply.text
        return root

    def follow(root, **fields: str):
        gather = root.find("Gather")
        target = gather.get("action") if gather is not None else root.find("Redirect").text
        return post(target, **fields)

    opening = post(CallStatus="ringing")
    assert "Calls may be recorded for security reasons" in twiml.spoken(opening)[0]
    answer = follow(opening, SpeechResult="Do you record my phone calls?", Confidence="0.92")
    while twiml.spoken(answer)[-1:] == ["One moment, please."]:
        answer = follow(answer)
    speech = twiml.all_speech(answer).lower()
    assert "record" in speech and "http" not in speech, twilio.stack.logs()[-4000:]
    assert answer.find("Gather").get("input") == "speech dtmf"
    silence = follow(answer)
    assert "didn't hear" in twiml.all_speech(silence)
    goodbye = follow(silence, SpeechResult="That's all, goodbye")
    while twiml.spoken(goodbye)[-1:] == ["One moment, please."]:
        goodbye = follow(goodbye)
    assert [child.tag for child in goodbye][-1] == "Hangup"
