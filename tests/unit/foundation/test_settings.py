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


@pytest.mark.parametrize("name", ["RASA_API_TOKEN", "ACTION_SERVER_TOKEN", "DATA_KEYS", "INDEX_KEY", "SESSION_SECRET"])
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
