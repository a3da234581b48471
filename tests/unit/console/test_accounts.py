"""Accounts, throttling, sessions and tokens (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.console import (
    AccountLocked,
    AccountService,
    AgentExists,
    InvalidAccountField,
    InvalidCredentials,
)
from bot.console.models import Agent, ApiToken, ConsoleSession
from tests.unit.console.support import PASSWORD, FakeClock


def test_password_is_stored_as_an_argon2id_hash(accounts: AccountService) -> None:
    accounts.create_agent("alice", PASSWORD)
    with accounts.database.read() as session:
        stored = session.scalars(select(Agent.password_hash)).one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_short_password_and_bad_username_are_refused(accounts: AccountService) -> None:
    with pytest.raises(InvalidAccountField) as short:
        accounts.create_agent("alice", "short")
    assert short.value.field == "password"
    with pytest.raises(InvalidAccountField) as bad:
        accounts.create_agent("<b>x</b>", PASSWORD)
    assert bad.value.field == "username"


def test_duplicate_username_is_refused_case_insensitively(accounts: AccountService) -> None:
    accounts.create_agent("alice", PASSWORD)
    with pytest.raises(AgentExists):
        accounts.create_agent("ALICE", PASSWORD)


def test_login_opens_a_session_with_a_fresh_id_each_time(accounts: AccountService) -> None:
    accounts.create_agent("alice", PASSWORD)
    first = accounts.login("alice", PASSWORD)
    second = accounts.login("Alice", PASSWORD)
    assert first.session_id != second.session_id
    assert first.session.csrf_token != second.session.csrf_token
    assert accounts.session(first.session_id).agent.username == "alice"
    with accounts.database.read() as session:
        stored = session.scalars(select(ConsoleSession.id_hash)).all()
    assert first.session_id not in stored and len(stored) == 2


def test_wrong_password_unknown_user_and_disabled_agent_fail_alike(accounts: AccountService) -> None:
    accounts.create_agent("alice", PASSWORD)
    accounts.create_agent("bob", PASSWORD)
    accounts.set_disabled("bob", True, actor="agent:admin")
    messages = set()
    for username, password in (("alice", "wrong password!!"), ("nobody", PASSWORD), ("bob", PASSWORD)):
        with pytest.raises(InvalidCredentials) as error:
            accounts.login(username, password)
        messages.add(str(error.value))
    assert len(messages) == 1


def test_five_failures_lock_the_account_for_fifteen_minutes(accounts: AccountService, clock: FakeClock) -> None:
    accounts.create_agent("alice", PASSWORD)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            accounts.login("alice", "wrong password!!")
    with pytest.raises(AccountLocked) as locked:
        accounts.login("alice", PASSWORD)
    assert 0 < locked.value.retry_after <= 15 * 60
    clock.advance(minutes=14)
    with pytest.raises(AccountLocked):
        accounts.login("alice", PASSWORD)
    clock.advance(minutes=2)
    assert accounts.login("alice", PASSWORD).session.agent.username == "alice"


def test_unknown_usernames_are_locked_too_so_lockout_reveals_nothing(accounts: AccountService) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            accounts.login("ghost", "wrong password!!")
    with pytest.raises(AccountLocked):
        accounts.login("ghost", "wrong password!!")


def test_many_failures_from_one_client_lock_that_client(accounts: AccountService) -> None:
    accounts.create_agent("alice", PASSWORD)
    for i in range(20):
        with pytest.raises(InvalidCredentials):
            accounts.login(f"user{i}", "wrong password!!", client="10.0.0.9")
    with pytest.raises(AccountLocked):
        accounts.login("alice", PASSWORD, client="10.0.0.9")
    assert accounts.login("alice", PASSWORD, client="10.0.0.10")


def test_session_expires_after_thirty_idle_minutes(accounts: AccountService, clock: FakeClock) -> None:
    accounts.create_agent("alice", PASSWORD)
    sid = accounts.login("alice", PASSWORD).session_id
    clock.advance(minutes=29)
    assert accounts.session(sid) is not None  # activity refreshes last-seen
    clock.advance(minutes=29)
    assert accounts.session(sid) is not None
    clock.advance(minutes=31)
    assert accounts.session(sid) is None
    assert accounts.session(sid) is None


def test_logout_and_disable_and_password_reset_end_sessions(accounts: AccountService) -> None:
    accounts.create_agent("alice", PASSWORD)
    first = accounts.login("alice", PASSWORD).session_id
    accounts.logout(first)
    assert accounts.session(first) is None
    second = accounts.login("alice", PASSWORD).session_id
    accounts.reset_password("alice", "another long password", actor="agent:admin")
    assert accounts.session(second) is None
    third = accounts.login("alice", "another long password").session_id
    accounts.set_disabled("alice", True, actor="agent:admin")
    assert accounts.session(third) is None


def test_api_token_is_shown_once_stored_hashed_and_revocable(accounts: AccountService) -> None:
    accounts.create_agent("alice", PASSWORD)
    raw, view = accounts.issue_token("alice", label="laptop", actor="agent:alice")
    assert raw.startswith("pdt_") and len(raw) > 40
    with accounts.database.read() as session:
        stored = session.scalars(select(ApiToken.token_hash)).one()
    assert raw not in stored
    assert accounts.authenticate_token(raw).username == "alice"
    assert accounts.authenticate_token(raw + "x") is None
    accounts.revoke_token("alice", view.id, actor="agent:alice")
    assert accounts.authenticate_token(raw) is None


def test_tokens_of_a_disabled_agent_stop_working(accounts: AccountService) -> None:
    accounts.create_agent("alice", PASSWORD)
    raw, _ = accounts.issue_token("alice", actor="agent:alice")
    accounts.set_disabled("alice", True, actor="agent:admin")
    assert accounts.authenticate_token(raw) is None
    accounts.set_disabled("alice", False, actor="agent:admin")
    assert accounts.authenticate_token(raw) is not None


def test_account_events_record_who_did_what_without_secrets(accounts: AccountService) -> None:
    accounts.create_agent("alice", PASSWORD, actor="system:cli")
    accounts.login("alice", PASSWORD)
    with pytest.raises(InvalidCredentials):
        accounts.login("alice", "wrong password!!")
    events, total = accounts.account_events()
    assert total == 3
    assert [e.action for e in events] == ["login_failed", "login", "agent_created_agent"]
    assert all(PASSWORD not in repr(e) for e in events)


def test_expired_failure_counters_are_forgotten(accounts: AccountService, clock: FakeClock) -> None:
    from bot.console.models import LoginThrottle

    for i in range(10):
        with pytest.raises(InvalidCredentials):
            accounts.login(f"ghost{i}", "wrong password!!")
    clock.advance(minutes=20)
    with pytest.raises(InvalidCredentials):
        accounts.login("ghost-new", "wrong password!!")
    with accounts.database.read() as session:
        assert len(session.scalars(select(LoginThrottle.key_hash)).all()) == 1
