"""The local outbox: encrypted at rest, newest first, filterable, honours opt-outs; build_notifier picks it locally."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import text

from bot.notify import (
    ChannelNotifier,
    DeliveryStatus,
    InvalidMessage,
    MessageChannel,
    OptOutRegistry,
    Outbox,
    OutboxNotifier,
    SmtpEmailSender,
    TwilioSmsSender,
    build_notifier,
)
from bot.settings import settings_from_environ
from tests.fakes.databases import open_db


@pytest.fixture
def outbox(database, cipher, indexer, clock) -> Outbox:
    return Outbox(database, cipher, indexer, clock=clock)


@pytest.fixture
def notifier(outbox, database, indexer) -> OutboxNotifier:
    return OutboxNotifier(outbox, OptOutRegistry(database, indexer))


def test_messages_are_kept_newest_first_and_decrypted_on_read(notifier, outbox, clock):
    first = notifier.send_sms("+12025550100", "Your code is 123456")
    clock.advance(seconds=5)
    second = notifier.send_email("ada.demo@example.com", "Hello", "Body text")
    assert first.status is second.status is DeliveryStatus.OUTBOX and first.ok
    messages = outbox.list()
    assert [m.id for m in messages] == [second.message_id, first.message_id]
    assert (messages[0].channel, messages[0].to, messages[0].subject, messages[0].body) == (
        MessageChannel.EMAIL,
        "ada.demo@example.com",
        "Hello",
        "Body text",
    )
    assert (messages[1].channel, messages[1].to, messages[1].subject) == (MessageChannel.SMS, "+12025550100", None)
    assert messages[0].created_at > messages[1].created_at


def test_outbox_filters_by_recipient_and_channel(notifier, outbox):
    notifier.send_sms("+12025550100", "to ada")
    notifier.send_sms("+12025550101", "to bruno")
    notifier.send_email("Ada.Demo@example.com", "s", "mail to ada")
    assert [m.body for m in outbox.list(to="+12025550100")] == ["to ada"]
    assert [m.body for m in outbox.list(to="ada.demo@example.com")] == ["mail to ada"]
    assert [m.body for m in outbox.list(channel=MessageChannel.SMS)] == ["to bruno", "to ada"]
    assert outbox.latest(channel=MessageChannel.SMS, to="+12025550101").body == "to bruno"
    assert outbox.latest(to="nobody@example.com") is None
    assert len(outbox.list(limit=2)) == 2


def test_outbox_holds_no_plaintext(notifier, database):
    notifier.send_sms("+12025550100", "Your code is 654321")
    notifier.send_email("ada.demo@example.com", "Secret subject", "Secret body")
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM outbox")).mappings().all()
    dump = " ".join(
        (bytes(v).decode("latin-1") if isinstance(v, (bytes, memoryview)) else str(v))
        for row in rows
        for v in row.values()
    )
    for secret in ("2025550100", "654321", "ada.demo", "Secret subject", "Secret body"):
        assert secret not in dump


def test_opted_out_numbers_get_nothing_even_locally(notifier, outbox, database, indexer):
    OptOutRegistry(database, indexer).opt_out("+12025550100")
    delivery = notifier.send_sms("+12025550100", "hello")
    assert delivery.status is DeliveryStatus.OPTED_OUT and not delivery.ok
    assert outbox.list() == []
    OptOutRegistry(database, indexer).opt_in("+12025550100")
    assert notifier.send_sms("+12025550100", "hello again").ok


def test_malformed_messages_raise_and_store_nothing(notifier, outbox):
    with pytest.raises(InvalidMessage):
        notifier.send_sms("555-0100", "hi")
    with pytest.raises(InvalidMessage):
        notifier.send_email("ada.demo@example.com", "two\nlines", "hi")
    assert outbox.list() == []


def test_build_notifier_uses_the_outbox_in_the_local_profile(settings, migrated_db_url):
    db = open_db(migrated_db_url)
    try:
        notifier = build_notifier(dataclasses.replace(settings, database_url=migrated_db_url), db)
        assert isinstance(notifier, OutboxNotifier)
    finally:
        db.dispose()


def test_build_notifier_uses_twilio_and_smtp_in_production(environ, migrated_db_url):
    environ.update(
        PROFILE="production",
        DATABASE_URL=migrated_db_url,
        REDIS_URL="redis://127.0.0.1:6379/0",
        SMTP_HOST="mail.example.com",
        SMTP_PORT="587",
        SMTP_STARTTLS="true",
    )
    settings = settings_from_environ(environ)
    db = open_db(migrated_db_url)
    try:
        notifier = build_notifier(settings, db)
    finally:
        db.dispose()
    assert isinstance(notifier, ChannelNotifier)
    assert isinstance(notifier.sms, TwilioSmsSender) and isinstance(notifier.email, SmtpEmailSender)
    assert notifier.email.starttls and notifier.email.port == 587


def test_local_profile_can_disable_the_outbox(environ, migrated_db_url):
    environ.update(OUTBOX_DISABLED="true", DATABASE_URL=migrated_db_url)
    db = open_db(migrated_db_url)
    try:
        assert isinstance(build_notifier(settings_from_environ(environ), db), ChannelNotifier)
    finally:
        db.dispose()


def main(argv):
    """``privacy-desk`` with only this area's commands (independent of the shared bot/cli.py)."""
    import argparse

    from bot.notify import cli as notify_cli
    from bot.verification import cli as verification_cli

    parser = argparse.ArgumentParser(prog="privacy-desk")
    subparsers = parser.add_subparsers(dest="command")
    notify_cli.register(subparsers)
    verification_cli.register(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def test_commands_are_registered_in_the_privacy_desk_cli():
    from bot.cli import COMMAND_MODULES, build_parser

    assert {"bot.notify.cli", "bot.verification.cli"} <= set(COMMAND_MODULES)
    choices = build_parser()._subparsers._group_actions[0].choices
    assert {"outbox", "customers"} <= set(choices)


@pytest.fixture
def cli_env(monkeypatch, environ, migrated_db_url):
    """The CLI reads settings from the process environment (real variables win over .env)."""
    environ["DATABASE_URL"] = migrated_db_url
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    return settings_from_environ(environ)


def test_outbox_command_prints_a_json_array_newest_first(cli_env, migrated_db_url, capsys):
    from bot.privacy.crypto import DataCipher, Indexer

    db = open_db(migrated_db_url)
    try:
        notifier = OutboxNotifier(Outbox(db, DataCipher(list(cli_env.data_keys)), Indexer(cli_env.index_key)))
        notifier.send_sms("+12025550100", "Your code is 111111")
        notifier.send_email("ada.demo@example.com", "Code", "Your code is 222222")
    finally:
        db.dispose()
    assert main(["outbox", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [m["body"] for m in printed] == ["Your code is 222222", "Your code is 111111"]
    assert set(printed[0]) == {"id", "created_at", "channel", "to", "subject", "body"}
    assert printed[1]["to"] == "+12025550100" and printed[1]["channel"] == "sms"
    assert main(["outbox", "--json", "--channel", "sms", "--limit", "5"]) == 0
    assert [m["channel"] for m in json.loads(capsys.readouterr().out)] == ["sms"]
    assert main(["outbox"]) == 0
    assert "SMS to +12025550100" in capsys.readouterr().out


def test_outbox_command_refuses_in_production(cli_env, monkeypatch, capsys):
    monkeypatch.setenv("PROFILE", "production")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert main(["outbox", "--json"]) == 2
    assert "local profile" in capsys.readouterr().err


def test_customers_seed_command_is_idempotent(cli_env, migrated_db_url, capsys):
    from bot.privacy.crypto import DataCipher, Indexer
    from bot.verification.directory import DEMO_CUSTOMERS, SqlCustomerDirectory

    assert main(["customers", "seed"]) == 0
    assert main(["customers", "seed"]) == 0
    assert "Seeded 5 demo customers" in capsys.readouterr().out
    db = open_db(migrated_db_url)
    try:
        directory = SqlCustomerDirectory(db, DataCipher(list(cli_env.data_keys)), Indexer(cli_env.index_key))
        assert len(directory.list()) == len(DEMO_CUSTOMERS)
        assert directory.match(email="ada.demo@example.com").customer_id == "demo-ada"
    finally:
        db.dispose()


def test_commands_explain_a_missing_migration(monkeypatch, environ, tmp_path, capsys):
    environ["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unmigrated.db'}"
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    assert main(["outbox", "--json"]) == 1
    assert main(["customers", "seed"]) == 1
    assert capsys.readouterr().err.count("privacy-desk migrate") == 2


def test_production_without_twilio_credentials_fails_sms_cleanly(environ, migrated_db_url):
    from bot.notify.factory import UnconfiguredSmsSender

    environ.update(
        PROFILE="production",
        DATABASE_URL=migrated_db_url,
        REDIS_URL="redis://127.0.0.1:6379/0",
        TWILIO_ACCOUNT_SID="",
        TWILIO_AUTH_TOKEN="",
    )
    db = open_db(migrated_db_url)
    try:
        notifier = build_notifier(settings_from_environ(environ), db)
    finally:
        db.dispose()
    assert isinstance(notifier.sms, UnconfiguredSmsSender)
    delivery = notifier.send_sms("+12025550100", "hi")
    assert (delivery.status, delivery.error, delivery.ok) == (DeliveryStatus.FAILED, "not_configured", False)


def test_domain_packages_import_no_rasa():
    import subprocess
    import sys

    code = (
        "import sys, bot.verification, bot.notify, bot.verification.cli, bot.notify.cli; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')); print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_customers_seed_is_a_no_op_in_production(cli_env, monkeypatch, migrated_db_url, capsys):
    from bot.privacy.crypto import DataCipher, Indexer
    from bot.verification.directory import SqlCustomerDirectory

    monkeypatch.setenv("PROFILE", "production")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert main(["customers", "seed"]) == 0
    assert "Skipped" in capsys.readouterr().err
    db = open_db(migrated_db_url)
    try:
        assert SqlCustomerDirectory(db, DataCipher(list(cli_env.data_keys)), Indexer(cli_env.index_key)).list() == []
    finally:
        db.dispose()
