"""What the requester receives, over the running stack: the notice sender process delivers
the filed, extension, completion and (by SMS) documents notices to the verified contact, with
the company's details, and no personal data beyond the reference and the masked contact."""

from __future__ import annotations

import re
import time
import uuid
from typing import Callable, Iterator, List

import pytest

from bot.console.account_types import AgentView
from bot.notices import NoticeState, company_details
from bot.notify.outbox import Outbox, OutboxMessage
from bot.privacy.crypto import DataCipher, Indexer
from bot.services import Services
from bot.storage.migrate import upgrade
from bot.verification.directory import SqlCustomerDirectory
from tests.integration.channels.test_twilio_stack import Twilio, _answer_parental_prompt, _whole_reply
from tests.integration.stack import Stack

pytestmark = pytest.mark.stack

REFERENCE = re.compile(r"\bPD-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
CODE = re.compile(r"\b(\d{6})\b")
ALICE = AgentView(id=1, username="alice", role="agent", created_at=None, disabled=False, last_login_at=None)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def desk(stack: Stack) -> Iterator[Services]:
    """The stack's database and services, as an agent's console would use them."""
    upgrade(stack.settings.database_url)
    services = Services.from_settings(stack.settings)
    SqlCustomerDirectory(services.database, services.cipher, services.indexer).seed()
    yield services
    services.close()


def outbox(desk: Services) -> Outbox:
    return Outbox(desk.database, DataCipher(list(desk.settings.data_keys)), Indexer(desk.settings.index_key))


def wait_for(find: Callable[[], List[OutboxMessage]], what: str, timeout: float = 30.0) -> OutboxMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found[0]
        time.sleep(0.25)
    raise AssertionError(f"no {what} in the outbox within {timeout:.0f}s")


def notices_for(desk: Services, reference: str, to: str) -> Callable[[], List[OutboxMessage]]:
    return lambda: [m for m in outbox(desk).list(to=to, limit=200) if reference in m.body and m.subject]


def assert_no_personal_data(messages: List[OutboxMessage], *secrets: str) -> None:
    for message in messages:
        text = f"{message.subject or ''}\n{message.body}"
        for secret in secrets:
            assert secret not in text, f"a notice carries personal data ({message.subject})"


def test_a_web_chat_deletion_is_confirmed_then_extended_then_completed_by_email(stack: Stack, desk: Services) -> None:
    sender = f"notice-{uuid.uuid4().hex[:8]}"
    email = "bruno.demo@example.com"
    say = lambda text: stack.texts(sender, text)  # noqa: E731
    say("I want to delete my personal data")
    for answer in ("Bruno Démo", email, "skip", "03/04/1990", "4 March 1990", "94105"):
        say(answer)
    assert "6-digit code" in say("yes")
    code = CODE.search(outbox(desk).latest(to=email).body).group(1)  # type: ignore[union-attr]
    confirmation = say(code)
    reference = REFERENCE.search(confirmation).group(0)  # type: ignore[union-attr]
    assert "e-mailed a confirmation with your reference to b***@example.com" in confirmation

    filed = wait_for(notices_for(desk, reference, email), "filed notice")
    company = company_details()
    assert filed.subject == f"We received your deletion request ({reference})"
    assert company.email in filed.body and company.postal_address in filed.body
    assert desk.notices.for_ticket(reference)[0].state is NoticeState.SENT
    deadline = time.monotonic() + 10
    while desk.tickets.get_by_reference(reference).acknowledged_at is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert desk.tickets.get_by_reference(reference).acknowledged_at is not None  # receipt acknowledged (CCPA 7021(a))

    work = desk.work
    view = work.claim(reference, ALICE)
    view = work.move(reference, ALICE, "in_progress", view.version)
    view = work.extend(reference, ALICE, "Your orders are kept in an archive we must search.", view.version)
    extended = wait_for(
        lambda: [m for m in notices_for(desk, reference, email)() if "More time" in (m.subject or "")],
        "extension notice",
    )
    assert "archive we must search" in extended.body
    day = view.respond_by
    assert f"{day.day} {day:%B %Y}" in extended.body

    work.complete(reference, ALICE, "fulfilled", view.version)
    done = wait_for(
        lambda: [m for m in notices_for(desk, reference, email)() if "complete" in (m.subject or "")],
        "completion notice",
    )
    assert "We have completed your deletion request" in done.body

    everything = notices_for(desk, reference, email)()
    assert len(everything) == 3
    assert_no_personal_data(everything, "Bruno", "Démo", "bruno.demo", "1990", "94105")
    assert {n.state for n in desk.notices.for_ticket(reference)} == {NoticeState.SENT}


def test_a_parental_request_by_sms_gets_the_documents_notice_by_sms(stack: Stack, desk: Services) -> None:
    twilio = Twilio(stack)
    parent = "+12025550188"
    try:
        replies = twilio.text(parent, "I want to delete my child's registration")
        reference = None
        for _ in range(16):
            found = [REFERENCE.search(reply) for reply in replies]
            if any(found):
                reference = next(m for m in found if m).group(0)
                break
            prompt = _whole_reply(twilio, parent, replies)
            replies = twilio.text(parent, _answer_parental_prompt(prompt, parent, twilio))
        assert reference, "no reference"
        said = " ".join(replies)
        for _ in range(5):  # the confirmation is long: read on the way a texter does
            if "texted the list of documents to send" in said or "(reply MORE)" not in said:
                break
            said = " ".join(twilio.text(parent, "MORE"))
        assert "texted the list of documents to send" in said and "the number ending 0188" in said, said
        notice = wait_for(
            lambda: [
                m
                for m in outbox(desk).list(to=parent, limit=200)
                if reference in m.body and "proof of parental status" in m.body
            ],
            "documents SMS",
        )
        assert notice.channel.value == "sms" and company_details().email in notice.body
        assert_no_personal_data([notice], "Jane", "Smith", "Tom", "2025550188")
    finally:
        twilio.database.dispose()
