"""A ticket records the policy in force when it was filed, and keeps it after the policy changes."""

from __future__ import annotations

import secrets
from pathlib import Path

from bot.company import configure, policy_in_force
from bot.privacy.crypto import DataCipher, Indexer, generate_key
from bot.storage.db import init_db
from bot.storage.migrate import upgrade
from bot.tickets import TicketService
from tests.unit.company.conftest import CARTIER_FILE, SECOND_FILE


def test_each_ticket_keeps_the_policy_version_in_force_when_it_was_filed(
    tmp_path: Path, cartier_kb: Path, second_kb: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'pd.db'}"
    upgrade(url)  # the migration at the head adds the column
    database = init_db(url)
    tickets = TicketService(
        database, DataCipher([generate_key()]), Indexer(secrets.token_urlsafe(32)), policy_version=policy_in_force
    )
    try:
        configure(cartier_kb, CARTIER_FILE)
        first = tickets.create(kind="deletion", channel="web", idempotency_key="k1").ticket
        configure(second_kb, SECOND_FILE)
        second = tickets.create(kind="deletion", channel="web", idempotency_key="k2").ticket
        stored = tickets.get_by_reference(first.reference)
    finally:
        configure()
        database.dispose()
    assert first.policy_version is not None and first.policy_version.startswith("March 2010 @ ")
    assert second.policy_version is not None and second.policy_version.startswith("undated @ ")
    assert first.policy_version.split(" @ ")[1] != second.policy_version.split(" @ ")[1]
    assert stored.policy_version == first.policy_version


def test_filing_never_fails_when_no_profile_can_be_built(tmp_path: Path, cartier_kb: Path) -> None:
    configure(cartier_kb, tmp_path / "absent.yml")
    try:
        assert policy_in_force() is None
    finally:
        configure()
