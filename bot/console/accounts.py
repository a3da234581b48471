"""Agent accounts, login throttling, server-side sessions and per-agent API tokens.

:class:`AccountService` is the only way into the console tables.  Each public
method is one unit of work (its own transaction).  Blocking (argon2 and the
database): call it from async code through a thread.

Security properties:

* Passwords: argon2id (argon2-cffi ``PasswordHasher``, RFC 9106 low-memory
  profile by default), 12..1024 characters.  Hashes are upgraded on login when
  the parameters change.  Unknown users cost the same as known ones (a dummy
  verify), and unknown user / wrong password / disabled account share one error.
* Throttling: failures are counted per username (known or not) and per client
  address in a sliding window; ``max_failures`` (5) failures lock the username
  for ``lockout`` (15 min), ``client_max_failures`` (20) lock the address.  While
  locked, even the right password is refused.
* Sessions: a 256-bit random id, stored as its SHA-256 digest; a new id at
  every login (no fixation), deleted at logout, after ``idle_timeout`` (30 min)
  without a request and after ``max_lifetime`` (12 h).  Each session carries its
  own CSRF token (synchronizer token).
* API tokens: ``pdt_`` + 256 random bits, shown once, stored as SHA-256 digest;
  revocable; refused while the agent is disabled.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime
from typing import Any, List, Optional, Sequence, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock, utcnow
from bot.console.account_types import (
    _TOKEN_PREFIX,
    _USERNAME,
    PASSWORD_MAX,
    ROLE_AGENT,
    AccountEventView,
    AccountPolicy,
    AgentView,
    LoginResult,
    SessionView,
    TokenView,
    _agent_view,
    _label,
    _role,
    hash_secret,
    normalise_username,
    validate_password,
)
from bot.console.errors import (
    AccountLocked,
    AgentExists,
    AgentNotFound,
    InvalidCredentials,
    TokenNotFound,
)
from bot.console.models import AccountEvent, Agent, ApiToken, ConsoleSession, LoginThrottle
from bot.storage.db import Database, init_db

__all__ = ["AccountService"]


class AccountService:
    """Accounts, sessions and tokens of the agent console.

    Args:
        database: the shared store (:func:`bot.storage.db.init_db`).
        clock: aware-UTC ``now``; tests inject one to test idle timeout and lockout.
        hasher: argon2id ``PasswordHasher`` (tests pass a cheaper one).
        policy: throttling and session limits.
    """

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock = utcnow,
        hasher: Optional[PasswordHasher] = None,
        policy: Optional[AccountPolicy] = None,
    ) -> None:
        self._db = database
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        self.policy = policy or AccountPolicy()
        self._dummy_hash: Optional[str] = None

    @classmethod
    def from_settings(cls, settings: Any, *, database: Optional[Database] = None, **kwargs: Any) -> "AccountService":
        return cls(database or init_db(settings), **kwargs)

    @property
    def database(self) -> Database:
        return self._db

    # ------------------------------------------------------------------ agents

    def create_agent(
        self, username: str, password: str, *, role: str = ROLE_AGENT, actor: str = "system:cli"
    ) -> AgentView:
        name = normalise_username(username)
        role_ = _role(role)
        hashed = self._hasher.hash(validate_password(password))
        now = self._clock()
        try:
            with self._db.write.begin() as session:
                if session.scalars(select(Agent.id).where(Agent.username == name)).first() is not None:
                    raise AgentExists(name)
                agent = Agent(
                    username=name,
                    role=role_,
                    password_hash=hashed,
                    created_at=now,
                    updated_at=now,
                    password_changed_at=now,
                )
                session.add(agent)
                session.flush()
                self._event(session, actor, f"agent_created_{role_}", name, now)
                return _agent_view(agent)
        except IntegrityError:
            raise AgentExists(name) from None

    def get_agent(self, username: str) -> AgentView:
        name = normalise_username(username)
        with self._db.read() as session:
            agent = session.scalars(select(Agent).where(Agent.username == name)).first()
            if agent is None:
                raise AgentNotFound(name)
            return _agent_view(agent)

    def list_agents(self) -> List[AgentView]:
        with self._db.read() as session:
            return [_agent_view(a) for a in session.scalars(select(Agent).order_by(Agent.username)).all()]

    def set_disabled(self, username: str, disabled: bool, *, actor: str) -> AgentView:
        """Disable (ends every session; tokens stop working) or re-enable an agent."""
        name = normalise_username(username)
        now = self._clock()
        with self._db.write.begin() as session:
            agent = self._load_agent(session, name)
            if disabled and agent.disabled_at is None:
                agent.disabled_at = now
                agent.updated_at = now
                session.execute(delete(ConsoleSession).where(ConsoleSession.agent_id == agent.id))
                self._event(session, actor, "agent_disabled", name, now)
            elif not disabled and agent.disabled_at is not None:
                agent.disabled_at = None
                agent.updated_at = now
                self._event(session, actor, "agent_enabled", name, now)
            session.flush()
            return _agent_view(agent)

    def reset_password(self, username: str, new_password: str, *, actor: str) -> AgentView:
        """Set a new password, end the agent's sessions and clear its login lockout."""
        name = normalise_username(username)
        hashed = self._hasher.hash(validate_password(new_password))
        now = self._clock()
        with self._db.write.begin() as session:
            agent = self._load_agent(session, name)
            agent.password_hash = hashed
            agent.password_changed_at = now
            agent.updated_at = now
            session.execute(delete(ConsoleSession).where(ConsoleSession.agent_id == agent.id))
            session.execute(delete(LoginThrottle).where(LoginThrottle.key_hash == self._throttle_key("user", name)))
            self._event(session, actor, "password_reset", name, now)
            session.flush()
            return _agent_view(agent)

    def change_password(self, username: str, current: str, new_password: str) -> AgentView:
        """The agent changes its own password (the current one is checked)."""
        name = normalise_username(username)
        validate_password(new_password)
        with self._db.read() as session:
            agent = self._load_agent(session, name)
            stored = agent.password_hash
        if not isinstance(current, str) or not self._verify(stored, current):
            raise InvalidCredentials()
        return self.reset_password(name, new_password, actor=f"agent:{name}")

    # ------------------------------------------------------------------ login / sessions

    def login(self, username: Any, password: Any, *, client: str = "") -> LoginResult:
        """Check the password and open a new session.

        Raises:
            AccountLocked: too many recent failures for this username or client.
            InvalidCredentials: anything else that is not a valid login.
        """
        name = username.strip().lower() if isinstance(username, str) else ""
        keys = [self._throttle_key("user", name[:256])]
        if client:
            keys.append(self._throttle_key("client", client[:256]))
        now = self._clock()
        with self._db.read() as session:
            for row in session.scalars(select(LoginThrottle).where(LoginThrottle.key_hash.in_(keys))).all():
                if row.locked_until is not None and row.locked_until > now:
                    raise AccountLocked(int((row.locked_until - now).total_seconds()))
            agent = (
                session.scalars(select(Agent).where(Agent.username == name)).first() if _USERNAME.match(name) else None
            )
            stored = agent.password_hash if agent is not None else None
            disabled = agent is None or agent.disabled_at is not None
        ok = isinstance(password, str) and 0 < len(password) <= PASSWORD_MAX and self._verify(stored, password)
        if not ok or disabled or agent is None:
            self._record_failure(keys, name if agent is not None else None)
            raise InvalidCredentials()
        raw = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self._clock()
        with self._db.write.begin() as session:
            session.execute(delete(LoginThrottle).where(LoginThrottle.key_hash == keys[0]))
            session.execute(delete(ConsoleSession).where(ConsoleSession.last_seen_at < now - self.policy.idle_timeout))
            row = self._load_agent(session, name)
            row.last_login_at = now
            if self._hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self._hasher.hash(password)
            record = ConsoleSession(
                id_hash=hash_secret(raw), agent_id=row.id, csrf_token=csrf, created_at=now, last_seen_at=now
            )
            session.add(record)
            self._event(session, f"agent:{name}", "login", name, now)
            session.flush()
            view = SessionView(agent=_agent_view(row), csrf_token=csrf, created_at=now, last_seen_at=now)
        return LoginResult(session_id=raw, session=view)

    def session(self, session_id: Any) -> Optional[SessionView]:
        """The live session for a cookie value, or ``None`` (unknown, idle, expired, agent disabled).

        Refreshes ``last_seen_at`` (at most every ``policy.touch_interval``).
        """
        if not isinstance(session_id, str) or not 20 <= len(session_id) <= 128:
            return None
        digest = hash_secret(session_id)
        now = self._clock()
        with self._db.read() as session:
            row = session.execute(
                select(ConsoleSession, Agent)
                .join(Agent, Agent.id == ConsoleSession.agent_id)
                .where(ConsoleSession.id_hash == digest)
            ).first()
        if row is None:
            return None
        record, agent = row
        expired = (
            agent.disabled_at is not None
            or now - record.last_seen_at > self.policy.idle_timeout
            or now - record.created_at > self.policy.max_lifetime
        )
        if expired:
            with self._db.write.begin() as session:
                session.execute(delete(ConsoleSession).where(ConsoleSession.id_hash == digest))
            return None
        last_seen = record.last_seen_at
        if now - last_seen >= self.policy.touch_interval:
            with self._db.write.begin() as session:
                session.execute(
                    update(ConsoleSession)
                    .where(ConsoleSession.id_hash == digest)
                    .values(last_seen_at=now)
                    .execution_options(synchronize_session=False)
                )
            last_seen = now
        return SessionView(
            agent=_agent_view(agent), csrf_token=record.csrf_token, created_at=record.created_at, last_seen_at=last_seen
        )

    def logout(self, session_id: Any) -> None:
        """Delete the session (idempotent)."""
        if not isinstance(session_id, str) or not session_id:
            return
        digest = hash_secret(session_id)
        now = self._clock()
        with self._db.write.begin() as session:
            row = session.execute(
                select(Agent.username)
                .join(ConsoleSession, ConsoleSession.agent_id == Agent.id)
                .where(ConsoleSession.id_hash == digest)
            ).first()
            result = session.execute(delete(ConsoleSession).where(ConsoleSession.id_hash == digest))
            if result.rowcount and row is not None:
                self._event(session, f"agent:{row[0]}", "logout", row[0], now)

    # ------------------------------------------------------------------ API tokens

    def issue_token(self, username: str, *, label: Optional[str] = None, actor: str) -> Tuple[str, TokenView]:
        """A new API token for ``username``: returns ``(raw_token, view)``; the raw token is never stored."""
        name = normalise_username(username)
        label_ = _label(label)
        raw = _TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        with self._db.write.begin() as session:
            agent = self._load_agent(session, name)
            token = ApiToken(agent_id=agent.id, token_hash=hash_secret(raw), label=label_, created_at=now)
            session.add(token)
            session.flush()
            self._event(session, actor, "token_issued", name, now)
            view = TokenView(id=token.id, label=label_, created_at=now, last_used_at=None, revoked=False)
        return raw, view

    def list_tokens(self, username: str) -> List[TokenView]:
        name = normalise_username(username)
        with self._db.read() as session:
            agent = self._load_agent(session, name)
            rows = session.scalars(select(ApiToken).where(ApiToken.agent_id == agent.id).order_by(ApiToken.id)).all()
            return [
                TokenView(
                    id=t.id,
                    label=t.label,
                    created_at=t.created_at,
                    last_used_at=t.last_used_at,
                    revoked=t.revoked_at is not None,
                )
                for t in rows
            ]

    def revoke_token(self, username: str, token_id: int, *, actor: str) -> None:
        name = normalise_username(username)
        now = self._clock()
        with self._db.write.begin() as session:
            agent = self._load_agent(session, name)
            token = session.scalars(
                select(ApiToken).where(ApiToken.id == token_id, ApiToken.agent_id == agent.id)
            ).first()
            if token is None:
                raise TokenNotFound()
            if token.revoked_at is None:
                token.revoked_at = now
                self._event(session, actor, "token_revoked", name, now)

    def authenticate_token(self, raw: Any) -> Optional[AgentView]:
        """The agent owning a live API token, or ``None``."""
        if not isinstance(raw, str) or not raw.startswith(_TOKEN_PREFIX) or len(raw) > 128:
            return None
        digest = hash_secret(raw)
        now = self._clock()
        with self._db.read() as session:
            row = session.execute(
                select(ApiToken, Agent)
                .join(Agent, Agent.id == ApiToken.agent_id)
                .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None), Agent.disabled_at.is_(None))
            ).first()
        if row is None:
            return None
        token, agent = row
        if token.last_used_at is None or now - token.last_used_at >= self.policy.touch_interval:
            with self._db.write.begin() as session:
                session.execute(
                    update(ApiToken)
                    .where(ApiToken.id == token.id)
                    .values(last_used_at=now)
                    .execution_options(synchronize_session=False)
                )
        return _agent_view(agent)

    # ------------------------------------------------------------------ account events

    def account_events(self, *, limit: int = 100, offset: int = 0) -> Tuple[List[AccountEventView], int]:
        """Account events, newest first, and their total count."""
        with self._db.read() as session:
            rows = session.scalars(
                select(AccountEvent).order_by(AccountEvent.id.desc()).limit(limit).offset(offset)
            ).all()
            total = session.execute(select(func.count(AccountEvent.id))).scalar_one()
            return [
                AccountEventView(id=e.id, at=e.at, actor=e.actor, action=e.action, subject=e.subject) for e in rows
            ], int(total)

    # ------------------------------------------------------------------ helpers

    def _verify(self, stored: Optional[str], password: str) -> bool:
        if stored is None:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
            stored = self._dummy_hash
            # Unknown users cost one verify too (no timing oracle); the answer is always no.
            with contextlib.suppress(VerificationError, InvalidHashError):
                self._hasher.verify(stored, password)
            return False
        try:
            return bool(self._hasher.verify(stored, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _record_failure(self, keys: Sequence[str], known_username: Optional[str]) -> None:
        now = self._clock()
        limits = [self.policy.max_failures, self.policy.client_max_failures]
        for _attempt in range(3):
            try:
                with self._db.write.begin() as session:
                    # Forget expired counters (attackers may try many usernames; keep the table small).
                    session.execute(
                        delete(LoginThrottle).where(
                            LoginThrottle.window_started_at
                            < now - max(self.policy.failure_window, self.policy.lockout),
                            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
                        )
                    )
                    for key, limit in zip(keys, limits):
                        row = session.scalars(
                            select(LoginThrottle).where(LoginThrottle.key_hash == key).with_for_update()
                        ).first()
                        if row is None:
                            row = LoginThrottle(key_hash=key, failures=0, window_started_at=now)
                            session.add(row)
                        if now - row.window_started_at > self.policy.failure_window:
                            row.failures = 0
                            row.window_started_at = now
                        row.failures += 1
                        if row.failures >= limit:
                            row.locked_until = now + self.policy.lockout
                            row.failures = 0
                            row.window_started_at = now
                            if key == keys[0] and known_username:
                                self._event(session, "system:console", "login_locked", known_username, now)
                    if known_username:
                        self._event(session, "system:console", "login_failed", known_username, now)
                return
            except IntegrityError:
                continue

    @staticmethod
    def _throttle_key(kind: str, value: str) -> str:
        return hash_secret(f"{kind}:{value}")

    @staticmethod
    def _load_agent(session: Any, name: str) -> Agent:
        agent = session.scalars(select(Agent).where(Agent.username == name)).first()
        if agent is None:
            raise AgentNotFound(name)
        return agent

    @staticmethod
    def _event(session: Any, actor: str, action: str, subject: Optional[str], now: datetime) -> None:
        session.add(AccountEvent(at=now, actor=actor[:64], action=action[:32], subject=subject))
