"""SMS opt-outs: Twilio's keywords, and a registry that persists STOP/START per number."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.notify.optouts import OptOutRegistry, SmsKeyword, classify_keyword
from tests.fakes.databases import open_db


@pytest.mark.parametrize(
    "body, keyword",
    [
        ("STOP", SmsKeyword.STOP),
        ("stop", SmsKeyword.STOP),
        (" Stop. ", SmsKeyword.STOP),
        ("unsubscribe", SmsKeyword.STOP),
        ("CANCEL", SmsKeyword.STOP),
        ("quit!", SmsKeyword.STOP),
        ("START", SmsKeyword.START),
        ("unstop", SmsKeyword.START),
        ("yes", SmsKeyword.START),
        ("HELP", SmsKeyword.HELP),
        ("info?", SmsKeyword.HELP),
        ("please stop sending me texts", None),
        ("stopwatch", None),
        ("", None),
        (None, None),
        ("🛑", None),
    ],
)
def test_keywords_are_recognised_only_as_the_whole_message(body, keyword):
    assert classify_keyword(body) is keyword


def test_stop_then_start(database, indexer):
    registry = OptOutRegistry(database, indexer)
    assert not registry.is_opted_out("+12025550100")
    registry.opt_out("+12025550100")
    registry.opt_out("+12025550100")  # repeated STOP is harmless
    assert registry.is_opted_out("+12025550100")
    assert registry.is_opted_out("+1 (202) 555-0100")  # the same number, formatted
    assert not registry.is_opted_out("+12025550101")
    registry.opt_in("+12025550100")
    assert not registry.is_opted_out("+12025550100")


def test_opt_outs_persist_for_other_processes_and_hold_no_plaintext_number(database, indexer, migrated_db_url):
    OptOutRegistry(database, indexer).opt_out("+12025550100", source="stop")
    other = open_db(migrated_db_url)
    try:
        assert OptOutRegistry(other, indexer).is_opted_out("+12025550100")
    finally:
        other.dispose()
    with database.engine.connect() as connection:
        dump = str(connection.execute(text("SELECT * FROM sms_optouts")).all())
    assert "2025550100" not in dump
