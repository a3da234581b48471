"""The whole stack deployed for a second real company (PolicyQA's washingtonian.com), with the model
trained once: greeting, SMS HELP, voice greeting and chat title name it, a policy question is answered
from its policy, an escalation ticket's contact instructions are its own, and no reply in the run holds
the repository company's name, e-mail or address."""

from __future__ import annotations

import re
import time
import uuid
from typing import Iterator, List

import httpx
import pytest

from bot.company import load_profile
from bot.notify import MessageChannel, Outbox
from bot.privacy.crypto import DataCipher, Indexer
from bot.settings import PROJECT_ROOT
from bot.storage.db import init_db
from bot.storage.migrate import upgrade
from bot.tickets import TicketService
from policy_kb.builder import build
from tests.conftest import make_environ
from tests.integration.stack import Stack, start_stack
from tests.unit.channels import twiml
from tests.unit.channels.harness import SMS_PATH, VOICE_PATH, call_sid, message_sid, signed_post

pytestmark = pytest.mark.stack

POLICIES = PROJECT_ROOT / "tests" / "data" / "policies"
SECOND_POLICY = POLICIES / "washingtonian-com-privacy-policy.md"
SECOND_FILE = POLICIES / "washingtonian-com-company.yml"
FIRST_POLICY = PROJECT_ROOT / "policy_kb" / "source" / "cartier-us-privacy-policy-2010.md"
_REFERENCE = re.compile(r"\bPD-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@pytest.fixture(scope="module")
def first_marks(tmp_path_factory: pytest.TempPathFactory) -> List[str]:
    kb = tmp_path_factory.mktemp("first-kb")
    build(FIRST_POLICY, kb, embeddings=False)
    first = load_profile(kb, PROJECT_ROOT / "company.yml").profile
    assert first.postal_address is not None
    return [first.display_name.lower(), first.privacy_email.lower(), first.postal_address.street.split(",")[0].lower()]


@pytest.fixture(scope="module")
def second_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        pytest.fail("no trained model: run 'make train'")
    base = tmp_path_factory.mktemp("second-company")
    build(SECOND_POLICY, base / "kb")
    environ = make_environ(base / "var", KB_DIR=str(base / "kb"), COMPANY_FILE=str(SECOND_FILE))
    running = start_stack(base, environ)
    upgrade(running.settings.database_url)
    try:
        yield running
    finally:
        assert running.supervisor is not None
        running.supervisor.stop_all()


def _clean(text: str, marks: List[str]) -> bool:
    return not any(mark in text.lower() for mark in marks)


def test_the_stack_speaks_for_the_second_company_on_every_channel(second_stack: Stack, first_marks: List[str]) -> None:
    said: List[str] = []
    sender = f"second-{uuid.uuid4().hex[:8]}"
    greeting = second_stack.texts(sender, "hello")
    said.append(greeting)
    assert "Washingtonian" in greeting

    answer = second_stack.texts(sender, "Do you sell my postal address to third parties?")
    said.append(answer)
    assert "rent lists containing your postal address" in answer or "advertising purposes" in answer, answer

    escalation = f"esc-{uuid.uuid4().hex[:8]}"
    said.append(second_stack.texts(escalation, "can I speak to a human"))
    confirmation = second_stack.texts(escalation, "no thanks")
    said.append(confirmation)
    found = _REFERENCE.search(confirmation)
    assert found, confirmation
    assert f"privacy@washingtonian.com quoting {found.group(0)}" in confirmation

    settings = second_stack.settings
    database = init_db(settings)
    try:
        tickets = TicketService(database, DataCipher(list(settings.data_keys)), Indexer(settings.index_key))
        ticket = tickets.get_by_reference(found.group(0))
        assert ticket.policy_version is not None and ticket.policy_version.startswith("undated @ ")

        phone = "+12025550199"
        params = {
            "MessageSid": message_sid(),
            "AccountSid": settings.twilio_account_sid,
            "From": phone,
            "To": settings.twilio_number,
            "Body": "HELP",
            "NumMedia": "0",
        }
        reply = signed_post(
            second_stack.rasa_url, settings.public_base_url, settings.twilio_auth_token, SMS_PATH, params, timeout=60
        )
        assert reply.status_code == 200, reply.text
        outbox = Outbox(database, DataCipher(list(settings.data_keys)), Indexer(settings.index_key))
        deadline = time.monotonic() + 60
        sms: List[str] = []
        while not sms and time.monotonic() < deadline:
            sms = [m.body for m in outbox.list(channel=MessageChannel.SMS, to=phone, limit=10)]
            time.sleep(0.2)
        assert sms and sms[0].startswith("Washingtonian privacy assistant"), second_stack.logs()[-3000:]
        said.extend(sms)
    finally:
        database.dispose()

    call = {
        "CallSid": call_sid(),
        "AccountSid": settings.twilio_account_sid,
        "From": "+12025550198",
        "To": settings.twilio_number,
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    voice = signed_post(
        second_stack.rasa_url, settings.public_base_url, settings.twilio_auth_token, VOICE_PATH, call, timeout=60
    )
    spoken = twiml.spoken(twiml.parse(voice.text))
    assert spoken[0].startswith("Thank you for calling the Washingtonian privacy line")
    said.extend(spoken)

    page = httpx.get(f"{second_stack.web_url}/", timeout=30).text
    title = re.search(r"<title>(.*?)</title>", page)
    assert title is not None and "Washingtonian" in title.group(1)
    said.append(page)

    for text in said:
        assert _clean(text, first_marks), text[:300]
