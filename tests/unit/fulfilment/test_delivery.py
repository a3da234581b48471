"""The access package reaches the requester through an expiring link plus a fresh one-time code, a few times at most."""

from __future__ import annotations

import re
from typing import List, Tuple

import pytest

from bot.fulfilment import Purpose
from bot.fulfilment.delivery import CodeRefused, PackageDelivery, PackageGone
from bot.privacy.crypto import DataCipher, Indexer
from bot.verification.codes import CodeStore
from tests.unit.console.support import FakeClock

ADA = "ada.demo@example.com"


class Sent:
    """A notifier that keeps what it would send."""

    def __init__(self) -> None:
        self.messages: List[Tuple[str, str]] = []

    def send_email(self, to: str, subject: str, body: str) -> None:
        self.messages.append((to, body))

    def send_sms(self, to: str, body: str) -> None:
        self.messages.append((to, body))

    def code(self) -> str:
        return re.search(r"\b(\d{6})\b", self.messages[-1][1]).group(1)


@pytest.fixture
def delivered(world):
    service = world.service()
    settings = world.settings()
    clock, sent = FakeClock(), Sent()
    cipher, indexer = DataCipher(list(settings.data_keys)), Indexer(settings.index_key)
    codes = CodeStore(service.database, indexer, cipher, clock=clock)
    delivery = PackageDelivery(
        service.database, cipher, indexer, codes, sent, public_url="https://desk.example", clock=clock, max_downloads=2
    )
    view = service.plan(Purpose.ACCESS, {"email": [ADA]})
    service.approve(view.id, "agent-1")
    _, package = service.execute(view.id)
    token = delivery.publish(view.id, package, channel="email", contact=ADA)
    try:
        yield delivery, token, sent, clock, service
    finally:
        service.close()


def test_the_requester_gets_a_link_then_a_code_and_downloads_their_package(delivered) -> None:
    delivery, token, sent, _, _ = delivered
    assert sent.messages[0][0] == ADA and f"https://desk.example/your-data/{token}" in sent.messages[0][1]
    challenge = delivery.send_code(token)
    body, media = delivery.download(token, challenge, sent.code(), "json")
    assert media == "application/json" and ADA.encode() in body
    challenge = delivery.send_code(token)
    html, media = delivery.download(token, challenge, sent.code(), "html")
    assert media.startswith("text/html") and b"The personal data we hold about you" in html


def test_a_wrong_code_or_a_stale_challenge_downloads_nothing(delivered) -> None:
    delivery, token, sent, _, _ = delivered
    challenge = delivery.send_code(token)
    right = sent.code()
    wrong = "000000" if right != "000000" else "111111"
    with pytest.raises(CodeRefused):
        delivery.download(token, challenge, wrong)
    with pytest.raises(CodeRefused):
        delivery.download(token, "another-challenge-id", right)
    assert delivery.download(token, challenge, right)[0]
    with pytest.raises(CodeRefused):
        delivery.download(token, challenge, right)  # a code works once


def test_the_link_is_gone_after_the_last_download_or_the_expiry_and_is_then_purged(delivered) -> None:
    delivery, token, sent, clock, _ = delivered
    for _ in range(2):
        delivery.download(token, delivery.send_code(token), sent.code())
    with pytest.raises(PackageGone):
        delivery.send_code(token)
    assert delivery.purge_expired() == 1


def test_an_expired_link_is_gone_and_purged(delivered) -> None:
    delivery, token, sent, clock, service = delivered
    challenge = delivery.send_code(token)
    clock.advance(days=7, seconds=1)
    with pytest.raises(PackageGone):
        delivery.download(token, challenge, sent.code())
    with pytest.raises(PackageGone):
        delivery.check_link("not-a-token")
    assert delivery.purge_expired() == 1


def test_the_stored_package_and_contact_are_encrypted_and_the_token_is_not_stored(delivered) -> None:
    from sqlalchemy import text

    _, token, _, _, service = delivered
    with service.database.read() as session:
        row = session.execute(text("SELECT * FROM fulfilment_packages")).one()
    stored = " ".join(str(bytes(v)) if isinstance(v, (bytes, memoryview)) else str(v) for v in row)
    assert ADA not in stored and token not in stored and "Ada Demo" not in stored
