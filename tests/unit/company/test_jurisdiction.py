"""The company's first jurisdiction is the deadline rule for requests that name none."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.company import CompanyFileError, configure, load_profile
from bot.services import Services
from bot.settings import Settings
from bot.storage.migrate import upgrade
from tests.unit.company.conftest import SECOND_FILE


def _ticket_default(settings: Settings) -> str:
    upgrade(settings.database_url)
    services = Services.from_settings(settings, verify_keys=False)
    try:
        return services.tickets.rules.default
    finally:
        services.database.dispose()


def test_the_company_jurisdiction_sets_the_default_deadline_rule(
    second_kb: Path, tmp_path: Path, settings: Settings
) -> None:
    eu = tmp_path / "company.yml"
    eu.write_text(
        SECOND_FILE.read_text(encoding="utf-8").replace("jurisdictions: [US-CA]", "jurisdictions: [EU, UK]"),
        encoding="utf-8",
    )
    try:
        configure(second_kb, eu)
        assert _ticket_default(settings) == "EU"
    finally:
        configure()


def test_a_jurisdiction_without_deadline_rules_is_refused_naming_the_field(second_kb: Path, tmp_path: Path) -> None:
    bad = tmp_path / "company.yml"
    bad.write_text("display_name: Example\njurisdictions: [US]\n", encoding="utf-8")
    with pytest.raises(CompanyFileError, match="'jurisdictions'.*US-CA"):
        load_profile(second_kb, bad)
