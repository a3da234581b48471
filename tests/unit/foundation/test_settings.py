from datetime import date
from pathlib import Path

import pytest

from bot.settings import Profile, SettingsError, settings_from_environ
from tests.conftest import make_environ


def test_complete_environment_gives_defaults_for_ports_and_sqlite(tmp_path: Path) -> None:
    settings = settings_from_environ(make_environ(tmp_path))
    assert settings.profile is Profile.LOCAL
    assert (settings.rasa_port, settings.action_port, settings.web_port) == (5005, 5055, 8000)
    assert settings.database_url.startswith("sqlite:///") and str(tmp_path) in settings.database_url
    assert settings.conversation_retention_days == 30


@pytest.mark.parametrize("name", ["RASA_API_TOKEN", "ACTION_SERVER_TOKEN", "DATA_KEYS", "INDEX_KEY"])
def test_missing_secret_is_an_error_naming_the_variable(tmp_path: Path, name: str) -> None:
    environ = make_environ(tmp_path)
    del environ[name]
    with pytest.raises(SettingsError, match=name):
        settings_from_environ(environ)


@pytest.mark.parametrize(
    "name,value",
    [
        ("RASA_PORT", "http"),
        ("WEB_PORT", "70000"),
        ("PROFILE", "staging"),
        ("LOG_LEVEL", "LOUD"),
        ("CONVERSATION_RETENTION_DAYS", "-1"),
    ],
)
def test_malformed_value_is_an_error_naming_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from_environ(make_environ(tmp_path, **{name: value}))


def test_production_profile_requires_postgres_and_redis(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        settings_from_environ(make_environ(tmp_path, PROFILE="production"))
    settings = settings_from_environ(
        make_environ(tmp_path, PROFILE="production", DATABASE_URL="postgresql://x@h/db", REDIS_URL="redis://h:6379/0")
    )
    assert settings.tracker_database_url == "postgresql://x@h/db"
    assert not settings.outbox_enabled


def test_trusted_proxies_accept_addresses_and_networks_and_default_to_none(tmp_path):
    assert settings_from_environ(make_environ(tmp_path)).trusted_proxies == ()
    got = settings_from_environ(make_environ(tmp_path, TRUSTED_PROXIES=" 10.0.0.5, 10.1.0.0/16 ,::1")).trusted_proxies
    assert got == ("10.0.0.5/32", "10.1.0.0/16", "::1/128")


def test_a_malformed_trusted_proxy_fails_at_startup_naming_the_variable(tmp_path):
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        settings_from_environ(make_environ(tmp_path, TRUSTED_PROXIES="10.0.0.5, proxy.example"))


@pytest.mark.parametrize(
    "name,value",
    [
        ("API_RATE_LIMIT", "lots"),
        ("API_AUTH_FAILURE_LIMIT", "20"),
        ("TICKET_DEFAULT_JURISDICTION", "MARS"),
        ("TICKET_HOLIDAYS_EU", "2026-13-01"),
        ("TICKET_HOLIDAYS_UK", "25/12/2026"),
        ("NOTICE_AT_RISK_DAYS", "-1"),
        ("NOTICE_AT_RISK_DAYS", "soon"),
    ],
)
def test_a_malformed_api_deadline_or_notice_value_is_an_error_naming_the_variable(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from_environ(make_environ(tmp_path, **{name: value}))


def test_api_deadline_notice_and_kb_variables_are_typed_fields_with_their_defaults(tmp_path: Path) -> None:
    defaults = settings_from_environ(make_environ(tmp_path))
    assert (defaults.api_rate_limit, defaults.api_auth_failure_limit) == ((300, 60), (20, 300))
    assert defaults.ticket_default_jurisdiction == "" and defaults.ticket_holidays == {"US-CA": (), "EU": (), "UK": ()}
    assert (defaults.notice_at_risk_days, defaults.notice_agent_email, defaults.kb_source) == (3, "", "")
    settings = settings_from_environ(
        make_environ(
            tmp_path,
            API_RATE_LIMIT="10/30",
            TICKET_DEFAULT_JURISDICTION="uk",
            TICKET_HOLIDAYS_EU="2026-12-24, 2026-12-31",
            NOTICE_AT_RISK_DAYS="0",
            NOTICE_AGENT_EMAIL="desk@example.com",
            KB_SOURCE="policy/other.md",
        )
    )
    assert settings.api_rate_limit == (10, 30) and settings.ticket_default_jurisdiction == "UK"
    assert settings.ticket_holidays["EU"] == (date(2026, 12, 24), date(2026, 12, 31))
    assert (settings.notice_at_risk_days, settings.notice_agent_email) == (0, "desk@example.com")
    assert settings.kb_source == "policy/other.md"
    assert settings_from_environ(make_environ(tmp_path, POLICY="a.md", KB_SOURCE="b.md")).kb_source == "a.md"


def test_the_settings_hold_only_the_variables_the_data_map_names(tmp_path: Path) -> None:
    datamap = tmp_path / "map.yml"
    datamap.write_text(
        "systems:\n  crm:\n    connector: webhook\n    url_env: CRM_URL\n    secret_env: CRM_SECRET\n", encoding="utf-8"
    )
    environ = make_environ(
        tmp_path, DATAMAP_FILE=str(datamap), CRM_URL="https://crm.example/p", CRM_SECRET="crm-signing-secret"
    )
    environ["UNRELATED_TOKEN"] = "not-for-us"
    settings = settings_from_environ(environ)
    assert settings.system_variables == {"CRM_URL": "https://crm.example/p", "CRM_SECRET": "crm-signing-secret"}
    assert "crm-signing-secret" not in repr(settings)


def test_a_data_map_that_cannot_be_read_names_no_variables(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("systems: [unclosed\n", encoding="utf-8")
    assert settings_from_environ(make_environ(tmp_path, DATAMAP_FILE=str(broken))).system_variables == {}
    missing = make_environ(tmp_path, DATAMAP_FILE=str(tmp_path / "none.yml"))
    assert settings_from_environ(missing).system_variables == {}


def test_overrides_win_over_the_environment_and_a_given_map_names_its_own_variables(tmp_path: Path) -> None:
    from bot.settings import load_settings

    other = tmp_path / "other.yml"
    other.write_text("systems:\n  erp:\n    connector: sql\n    url_env: ERP_DATABASE_URL\n", encoding="utf-8")
    environ = make_environ(tmp_path, ERP_DATABASE_URL="sqlite:///erp.db")
    assert load_settings(environ=environ).system_variables.get("ERP_DATABASE_URL") is None
    chosen = load_settings(environ=environ, overrides={"DATAMAP_FILE": str(other)})
    assert chosen.datamap_file == str(other) and chosen.system_variables == {"ERP_DATABASE_URL": "sqlite:///erp.db"}
