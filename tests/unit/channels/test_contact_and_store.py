"""The sealed channel contact and the channel's SQL store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.channels.contact import METADATA_KEY, confirmed_contact, seal_contact
from bot.channels.names import TWILIO_SMS
from bot.channels.twilio_store import TwilioChannelStore
from bot.privacy.crypto import DataCipher, generate_key
from bot.settings import Settings
from bot.storage.db import init_db
from bot.storage.migrate import upgrade

PHONE = "+12025550143"


def test_a_sealed_contact_opens_only_in_its_own_conversation_and_with_our_key() -> None:
    cipher = DataCipher([generate_key()])
    metadata = seal_contact(cipher, TWILIO_SMS, "sms-abc", PHONE)
    assert PHONE not in str(metadata) and "2025550143" not in str(metadata)
    contact = confirmed_contact(metadata, "sms-abc", cipher)
    assert contact is not None and contact.phone == PHONE and PHONE not in repr(contact)
    assert confirmed_contact(metadata, "sms-other", cipher) is None
    assert confirmed_contact(metadata, "sms-abc", DataCipher([generate_key()])) is None


@pytest.mark.parametrize(
    "metadata",
    [None, {}, {METADATA_KEY: PHONE}, {METADATA_KEY: {"phone": PHONE}}, {METADATA_KEY: "gAAAA" + "x" * 100}, "text"],
)
def test_client_made_metadata_is_never_a_confirmed_contact(metadata) -> None:
    assert confirmed_contact(metadata, "sms-abc", DataCipher([generate_key()])) is None


def test_only_twilio_channels_may_seal_a_contact() -> None:
    with pytest.raises(ValueError):
        seal_contact(DataCipher([generate_key()]), "rest", "x", PHONE)


@pytest.fixture
def store(settings: Settings) -> TwilioChannelStore:
    upgrade(settings.database_url)
    return TwilioChannelStore(init_db(settings), DataCipher(list(settings.data_keys)))


def test_a_sid_is_claimed_once(store: TwilioChannelStore) -> None:
    assert store.claim("SM" + "1" * 32, TWILIO_SMS) is True
    assert store.claim("SM" + "1" * 32, TWILIO_SMS) is False
    assert store.claim("SM" + "2" * 32, TWILIO_SMS) is True


def test_state_is_encrypted_at_rest_and_pages_pop_in_order(store: TwilioChannelStore, settings: Settings) -> None:
    store.save("sms:c1", {"pages": ["page two for +12025550143", "page three"], "options": []})
    import sqlite3

    raw = (
        sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
        .execute("SELECT state_ct FROM twilio_state")
        .fetchone()[0]
    )
    assert b"2025550143" not in raw and b"page two" not in raw
    assert store.pop_page("sms:c1") == "page two for +12025550143"
    assert store.pop_page("sms:c1") == "page three"
    assert store.pop_page("sms:c1") is None
    store.save("sms:c1", {})
    assert store.load("sms:c1") == {}


def test_old_rows_are_purged(settings: Settings) -> None:
    upgrade(settings.database_url)
    now = [datetime.now(timezone.utc) - timedelta(days=40)]
    store = TwilioChannelStore(init_db(settings), DataCipher(list(settings.data_keys)), clock=lambda: now[0])
    store.claim("SM" + "3" * 32, TWILIO_SMS)
    store.save("sms:old", {"pages": ["x"]})
    now[0] = datetime.now(timezone.utc)
    assert store.load("sms:old") == {}  # expired state is not served
    assert store.purge(now[0] - timedelta(days=30)) == 2
    assert store.claim("SM" + "3" * 32, TWILIO_SMS) is True


def test_the_channel_tables_match_their_migration(settings: Settings) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.storage.base import metadata
    from bot.storage.db import create_db_engine

    ours = {"twilio_inbound", "twilio_state"}
    upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()
    flat = [d[0] if isinstance(d, list) else d for d in diffs]
    mentioned = [
        d
        for d in flat
        if any(
            getattr(part, "name", None) in ours
            or part in ours
            or getattr(getattr(part, "table", None), "name", None) in ours
            for part in d[1:]
        )
    ]
    assert mentioned == []
    assert ours <= set(metadata.tables)
