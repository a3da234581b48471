"""An escalation is due when the bot promised a reply (business days), a rights request when the law says."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from bot.privacy.crypto import DataCipher, Indexer, generate_key
from bot.settings import SettingsError, settings_from_environ
from bot.storage.db import init_db
from bot.tickets import Channel, DeadlineRules, Kind, TicketService
from tests.conftest import make_environ
from tests.unit.console.support import migrated_sqlite_url

#: Friday 4 December 2026, 10:00 in California.
FRIDAY = datetime(2026, 12, 4, 18, 0, tzinfo=timezone.utc)


def _service(tmp_path: Path, rules: DeadlineRules) -> TicketService:
    database = init_db(migrated_sqlite_url(tmp_path / "db"))
    return TicketService(database, DataCipher([generate_key()]), Indexer(secrets.token_urlsafe(32)), rules)


def _file(service: TicketService, kind: Kind):  # noqa: ANN202
    return service.create(
        kind=kind, channel=Channel.WEB, idempotency_key=secrets.token_hex(8), received_at=FRIDAY
    ).ticket


def _rules(tmp_path: Path, reply_days: str) -> DeadlineRules:
    return DeadlineRules.from_settings(
        settings_from_environ(make_environ(tmp_path / "var", ESCALATION_REPLY_BUSINESS_DAYS=reply_days))
    )


def test_an_escalation_is_due_after_the_promised_business_days_not_the_legal_deadline(tmp_path: Path) -> None:
    service = _service(tmp_path, _rules(tmp_path, "2"))
    escalation, deletion = _file(service, Kind.ESCALATION), _file(service, Kind.DELETION)
    assert escalation.respond_by == date(2026, 12, 8)  # Friday + 2 business days: Tuesday
    assert escalation.acknowledge_by is None
    assert deletion.respond_by == date(2027, 1, 18)  # CCPA: 45 calendar days


def test_the_promised_reply_time_is_configurable_and_skips_holidays(tmp_path: Path) -> None:
    service = _service(tmp_path, _rules(tmp_path, "15"))
    # 15 business days from 4 December 2026 skip weekends and Christmas Day (observed Friday 25 December).
    assert _file(service, Kind.ESCALATION).respond_by == date(2026, 12, 28)


@pytest.mark.parametrize("raw", ["0", "-1", "two"])
def test_a_bad_promised_reply_time_is_refused_with_its_name(tmp_path: Path, raw: str) -> None:
    with pytest.raises(SettingsError, match="ESCALATION_REPLY_BUSINESS_DAYS"):
        _rules(tmp_path, raw)
