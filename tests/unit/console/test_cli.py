"""``privacy-desk agents ...``: passwords from stdin or a prompt, never argv; tokens printed once."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import AccountService
from bot.storage.db import init_db
from tests.conftest import make_environ
from tests.unit.console.support import PASSWORD, migrated_sqlite_url


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = migrated_sqlite_url(tmp_path / "db")
    for key, value in make_environ(tmp_path / "var", DATABASE_URL=url).items():
        monkeypatch.setenv(key, value)
    return url


def _accounts(url: str) -> AccountService:
    return AccountService(init_db(url))


def test_create_admin_with_password_from_stdin_then_log_in(
    db_env: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["agents", "create", "Zoe", "--role", "admin", "--password-stdin"]) == 0
    assert "Created admin zoe" in capsys.readouterr().out
    accounts = _accounts(db_env)
    assert accounts.login("zoe", PASSWORD).session.agent.is_admin


def test_create_prompts_twice_and_refuses_a_mismatch(db_env: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["agents", "create", "zoe"]) == 1
    assert "do not match" in capsys.readouterr().err
    assert _accounts(db_env).list_agents() == []


def test_weak_password_and_duplicates_are_reported_without_echoing_the_password(
    db_env: str, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("tiny\n"))
    assert main(["agents", "create", "zoe", "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert "at least 12 characters" in err and "tiny" not in err


def test_token_disable_and_reset_password(db_env: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    accounts = _accounts(db_env)
    accounts.create_agent("zoe", PASSWORD)
    assert main(["agents", "token", "zoe", "--label", "script"]) == 0
    token = capsys.readouterr().out.strip()
    assert accounts.authenticate_token(token).username == "zoe"
    assert main(["agents", "disable", "zoe"]) == 0
    assert accounts.authenticate_token(token) is None
    monkeypatch.setattr(sys, "stdin", io.StringIO("a brand new password\n"))
    assert main(["agents", "reset-password", "zoe", "--password-stdin"]) == 0
    assert main(["agents", "enable", "zoe"]) == 0
    assert accounts.login("zoe", "a brand new password")
    assert main(["agents", "list"]) == 0
    assert "zoe\tagent\tactive" in capsys.readouterr().out


def test_unknown_agent_is_a_clear_error(db_env: str, capsys) -> None:
    assert main(["agents", "disable", "nobody"]) == 1
    assert "no agent named nobody" in capsys.readouterr().err
