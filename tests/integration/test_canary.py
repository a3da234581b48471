"""The canary test: planted personal data never lands readable anywhere the system writes.

Scripted conversations run through every public channel — REST, web chat
(socket.io), SMS and voice (signed Twilio webhooks) — and through every flow
(policy question, the five request kinds, status check, escalation), carrying
unique planted personal data: names, e-mail addresses, phone numbers, dates of
birth, codes, card-like numbers.  Then every file the system wrote is searched
as raw bytes — the stack's ``var/`` (SQLite databases and their WAL files,
outbox, anything else), the process logs, the knowledge-base directory, and
any file in the project changed during the run (a model written by the running
system would be one) — for each
canary in its common transforms (case, digits only, JSON-escaped, URL-encoded,
UTF-16).  Zero hits is the only pass.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from bot.privacy.conversations import ConversationRecords
from bot.settings import PROJECT_ROOT
from tests.integration.privacy import twilio_client
from tests.integration.privacy.canaries import Canary, files_under, scan_files
from tests.integration.privacy.conversations import FLOWS, WebChat, drive_flow, outbox_code, tracker
from tests.integration.stack import Stack

pytestmark = pytest.mark.stack

REST_FLOWS = list(FLOWS)
WEBCHAT_FLOWS = ["deletion", "policy", "status"]
SMS_FLOWS = ["parental_deletion", "access"]
VOICE_FLOWS = ["stop_using", "escalation"]


@dataclass
class CanaryRun:
    started: float
    canaries: List[Canary] = field(default_factory=list)
    conversation_ids: Dict[str, str] = field(default_factory=dict)  # canary tag → conversation id
    transcripts: Dict[str, List[Tuple[str, str]]] = field(default_factory=dict)
    channels: List[str] = field(default_factory=list)


def _code_reader(stack: Stack, canary: Canary):
    return lambda: outbox_code(stack, canary.email, canary.code)


async def _rest(stack: Stack, run: CanaryRun, flow: str, planted: int = 3) -> None:
    canary = Canary.make(f"rest-{flow}")
    run.canaries.append(canary)
    run.conversation_ids[canary.tag] = canary.sender

    async def send(text: str) -> str:
        return await asyncio.to_thread(stack.texts, canary.sender, text)

    for text in canary.messages()[:planted]:
        await send(text)
    run.transcripts[canary.tag] = await drive_flow(send, FLOWS[flow], canary, _code_reader(stack, canary))


async def _webchat(stack: Stack, run: CanaryRun, flow: str, planted: int = 3) -> None:
    canary = Canary.make(f"web-{flow}")
    run.canaries.append(canary)
    async with WebChat(stack) as chat:
        assert chat.session_id
        run.conversation_ids[canary.tag] = chat.session_id
        for text in canary.messages()[:planted]:
            await chat.say(text)
        run.transcripts[canary.tag] = await drive_flow(chat.say, FLOWS[flow], canary, _code_reader(stack, canary))


async def _twilio(stack: Stack, run: CanaryRun, flow: str, channel: str, planted: int = 3) -> None:
    canary = Canary.make(f"{channel}-{flow}")
    run.canaries.append(canary)
    client = twilio_client.for_stack(stack, channel, canary.phone)

    for text in canary.messages()[:planted]:
        await client.say(text)
    run.transcripts[canary.tag] = await drive_flow(client.say, FLOWS[flow], canary, _code_reader(stack, canary))
    run.conversation_ids[canary.tag] = client.conversation_id


@pytest.fixture(scope="module")
def canary_run(stack: Stack) -> CanaryRun:
    return run_canary_conversations(stack)


def run_canary_conversations(stack: Stack) -> CanaryRun:
    """Every channel, every flow, planted canaries; returns what ran."""
    from bot.storage.migrate import upgrade

    upgrade(stack.settings.database_url)  # idempotent; the stack's request flows need the ticket tables
    run = CanaryRun(started=time.time())

    async def all_conversations() -> None:
        # The first conversation on each channel plants every canary shape; the others
        # plant name and e-mail before their flow (the flows ask for the rest).
        every = len(Canary.make("count").messages())
        for i, flow in enumerate(REST_FLOWS):
            await _rest(stack, run, flow, planted=every if i == 0 else 3)
        run.channels.append("rest")
        for i, flow in enumerate(WEBCHAT_FLOWS):
            await _webchat(stack, run, flow, planted=every if i == 0 else 3)
        run.channels.append("webchat")
        for channel, flows in (("sms", SMS_FLOWS), ("voice", VOICE_FLOWS)):
            if not twilio_client.channel_available(stack, channel):
                continue
            for i, flow in enumerate(flows):
                await _twilio(stack, run, flow, channel, planted=every if i == 0 else 3)
            run.channels.append(channel)

    asyncio.run(all_conversations())
    time.sleep(2)  # background turns (SMS), log flushes
    return run


def written_files(stack: Stack, run: CanaryRun) -> List[Path]:
    # The model directory is read-only for the running system: a model file written
    # during the run is caught by the "changed in the project" sweep below.
    roots = [stack.var_dir, stack.log_dir, stack.settings.kb_dir]
    changed = [
        path
        for path in files_under([PROJECT_ROOT])
        if path.is_file()
        and path.stat().st_mtime >= run.started - 1
        and "tests" not in path.relative_to(PROJECT_ROOT).parts[:1]
    ]
    return sorted(set(files_under(roots)) | set(changed))


def test_no_canary_in_any_file_the_system_wrote(stack: Stack, canary_run: CanaryRun) -> None:
    files = written_files(stack, canary_run)
    databases = [p for p in files if p.name.endswith((".db", ".db-wal"))]
    assert databases, "the stack wrote its databases under var/"
    assert any(p.suffix == ".log" for p in files), "the stack wrote logs"

    hits = scan_files(files, canary_run.canaries)

    assert hits == {}, f"canaries found in {len(hits)} file(s): {hits}"


def test_every_public_channel_and_flow_was_exercised(canary_run: CanaryRun) -> None:
    assert {"rest", "webchat"} <= set(canary_run.channels)
    flows = {tag.split("-", 1)[1] for tag in canary_run.transcripts}
    assert flows == set(FLOWS)
    assert all(len(turns) >= 1 for turns in canary_run.transcripts.values())


def test_canary_conversations_are_stored_encrypted_and_readable_with_the_keys(
    stack: Stack, canary_run: CanaryRun
) -> None:
    records = ConversationRecords.from_settings(stack.settings)
    try:
        for tag, conversation_id in canary_run.conversation_ids.items():
            assert records.count_events(conversation_id) > 0, f"{tag}: no encrypted events stored"
    finally:
        records.dispose()
    canary = canary_run.canaries[0]
    texts = [
        e.get("text") or ""
        for e in tracker(stack, canary_run.conversation_ids[canary.tag])["events"]
        if e.get("event") == "user"
    ]
    assert any(canary.email in text for text in texts), "the Rasa API decrypts what it stored"


def test_no_notice_carries_a_canary_beyond_the_reference_and_the_masked_contact(
    stack: Stack, canary_run: CanaryRun
) -> None:
    from sqlalchemy import select

    from bot.notices.models import NoticeRow
    from bot.services import Services

    services = Services.from_settings(stack.settings)
    try:
        with services.database.read() as session:
            rows = session.scalars(select(NoticeRow)).all()
            texts = [
                "\n".join(services.cipher.decrypt_optional(ct) or "" for ct in (r.subject_ct, r.body_ct, r.html_ct))
                for r in rows
            ]
    finally:
        services.close()
    assert texts, "the canary requests queued notices"
    for canary in canary_run.canaries:
        phone_digits = canary.phone.lstrip("+")
        for secret in (
            canary.first_name + " " + canary.last_name,
            canary.last_name,
            canary.email,
            canary.phone,
            phone_digits,
            canary.card,
            canary.code,
        ):
            assert not any(
                secret.lower() in text.lower() for text in texts
            ), f"{canary.tag}: a notice carries personal data"
