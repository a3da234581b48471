"""Deployed for a second real company (a PolicyQA policy), every text names it and none names the first.

The greeting (a domain response filled from the slots action_session_start sets), SMS HELP (through the
SMS webhook), the voice greeting (through the voice webhook), the web chat title, and every other text
that names the company or says how to reach it.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Dict, List

import pytest
import yaml
from rasa.core.nlg.interpolator import interpolate_text
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.applications import Starlette
from starlette.testclient import TestClient

from actions.privacy_requests import messages
from actions.session import ActionSessionStart
from bot.company import current_profile, load_profile
from bot.company import texts as company_texts
from bot.settings import Settings
from bot.webapp import chat
from tests.unit.channels import twiml
from tests.unit.channels.harness import VOICE_PATH, ChannelServer, call_sid
from tests.unit.company.conftest import CARTIER_FILE, ROOT

PHONE = "+12025550143"


@pytest.fixture(scope="module")
def first_company_marks(cartier_kb: Path) -> List[str]:
    """What must never appear once the assistant speaks for another company: the first one's name, e-mail, address."""
    first = load_profile(cartier_kb, CARTIER_FILE).profile
    assert first.postal_address is not None
    return [first.display_name.lower(), first.privacy_email.lower(), first.postal_address.street.lower()[:20]]


def _clean(text: str, marks: List[str]) -> bool:
    return not any(mark in text.lower() for mark in marks)


def _session_slots() -> Dict[str, str]:
    tracker = Tracker("t", {}, {}, [], False, None, {}, "action_listen")
    events = asyncio.run(ActionSessionStart().run(CollectingDispatcher(), tracker, {}))
    return {e["name"]: e["value"] for e in events if e.get("event") == SlotSet("x", None)["event"]}


def test_the_greeting_and_every_domain_response_name_the_second_company_only(
    second_company: Path, first_company_marks: List[str]
) -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    slots = _session_slots()
    assert slots["company_name"] == "Washingtonian" and slots["company_email"] == "privacy@washingtonian.com"
    filled = {
        name: [interpolate_text(v["text"], slots) for v in variants if "text" in v]
        for name, variants in domain["responses"].items()
    }
    assert "Washingtonian" in filled["utter_greet"][0]
    assert "privacy@washingtonian.com" in filled["utter_english_only"][0]
    for name, texts in filled.items():
        for text in texts:
            assert _clean(text, first_company_marks), name


def test_sms_help_names_the_second_company_and_its_contact(
    second_company: Path, server: ChannelServer, first_company_marks: List[str]
) -> None:
    server.sms_from(PHONE, "help")
    server.drain()
    [help_text] = server.outbox(PHONE)
    assert help_text.startswith("Washingtonian privacy assistant") and "privacy@washingtonian.com" in help_text
    assert "1828 L Street" in help_text and _clean(help_text, first_company_marks)


def test_the_voice_greeting_names_the_second_company(
    second_company: Path, server: ChannelServer, first_company_marks: List[str]
) -> None:
    params = {
        "CallSid": call_sid(),
        "AccountSid": server.settings.twilio_account_sid,
        "From": "+12025550188",
        "To": server.settings.twilio_number,
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    reply = server.post(VOICE_PATH, params, query="")
    said = twiml.spoken(twiml.parse(reply.text))
    assert (
        said[0] == "Thank you for calling the Washingtonian privacy line. Calls may be recorded for security reasons."
    )
    assert all(_clean(line, first_company_marks) for line in said)


def test_the_web_chat_title_and_notice_name_the_second_company(
    second_company: Path, settings: Settings, first_company_marks: List[str]
) -> None:
    page = TestClient(Starlette(routes=chat.routes(settings))).get("/").text
    title = re.search(r"<title>(.*?)</title>", page)
    assert title is not None and "Washingtonian" in title.group(1)
    assert "privacy@washingtonian.com" in page and _clean(page, first_company_marks)


def test_request_escalation_parental_and_console_texts_give_the_second_company_contact(
    second_company: Path, first_company_marks: List[str]
) -> None:
    texts = [
        messages.CHILD_STOP,
        messages.NOT_FILED_UNAVAILABLE,
        messages.OTHER_WAYS,
        messages.parental_proof("PD-7K3D-9QXM"),
        company_texts.documents_letter("PD-7K3D-9QXM", ""),
        company_texts.escalation_email_instructions("PD-7K3D-9QXM"),
        company_texts.voice_goodbye_silent(),
        company_texts.sms_failure(),
    ]
    for text in texts:
        assert "privacy@washingtonian.com" in text and _clean(text, first_company_marks), text
    assert "children under 13" in messages.CHILD_STOP
    assert "1828 L Street" in messages.parental_proof("PD-7K3D-9QXM")
    assert current_profile().policy_revision is None  # the second policy states no revision date: nothing invented


def test_no_code_nlu_data_or_stopword_list_holds_the_repository_company_name_email_or_address(cartier_kb: Path) -> None:
    first = load_profile(cartier_kb, CARTIER_FILE).profile
    assert first.postal_address is not None
    street = first.postal_address.street.split(",")[0]  # "645 Fifth Avenue"
    pattern = re.compile("|".join(re.escape(m) for m in (first.display_name, first.privacy_email, street)), re.I)
    paths = [ROOT / "domain.yml", *sorted((ROOT / "policy_kb").glob("*.py"))]
    for folder in ("bot", "actions", "data"):
        paths += [
            p for p in sorted((ROOT / folder).rglob("*")) if p.suffix in {".py", ".yml", ".yaml", ".html", ".txt"}
        ]
    found = [str(p.relative_to(ROOT)) for p in paths if pattern.search(p.read_text(encoding="utf-8", errors="ignore"))]
    assert found == []
