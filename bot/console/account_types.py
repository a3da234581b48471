"""What the account service hands out and checks: roles, the password and username
rules, the account policy, and the views of agents, sessions, tokens and account events
(plain values, never a secret)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from bot.console.errors import (
    InvalidAccountField,
)
from bot.console.models import Agent

__all__ = [
    "AccountPolicy",
    "AgentView",
    "SessionView",
    "TokenView",
    "AccountEventView",
    "LoginResult",
    "ROLE_AGENT",
    "ROLE_ADMIN",
    "normalise_username",
    "validate_password",
    "hash_secret",
    "PASSWORD_MIN",
    "PASSWORD_MAX",
]

ROLE_AGENT = "agent"
ROLE_ADMIN = "admin"
PASSWORD_MIN = 12
PASSWORD_MAX = 1024
_USERNAME = re.compile(r"^[a-z][a-z0-9_.\-]{1,31}$")
_TOKEN_PREFIX = "pdt_"  # noqa: S105 - the visible prefix of API tokens, not a secret


def hash_secret(value: str) -> str:
    """SHA-256 hex digest of a high-entropy secret (session id, API token)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_username(value: Any) -> str:
    """Lower-cased, validated username (letters, digits, ``_ . -``; 2..32; starts with a letter)."""
    if not isinstance(value, str):
        raise InvalidAccountField("username", "must be text")
    name = value.strip().lower()
    if not _USERNAME.match(name):
        raise InvalidAccountField("username", "2-32 characters: a letter, then letters, digits, '_', '.', '-'")
    return name


def validate_password(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidAccountField("password", "must be text")
    if "\x00" in value:
        raise InvalidAccountField("password", "contains a NUL character")
    if len(value) < PASSWORD_MIN:
        raise InvalidAccountField("password", f"must be at least {PASSWORD_MIN} characters")
    if len(value) > PASSWORD_MAX:
        raise InvalidAccountField("password", f"must be at most {PASSWORD_MAX} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidAccountField("password", "is not valid text") from None
    return value


@dataclass(frozen=True)
class AccountPolicy:
    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)
    client_max_failures: int = 20
    idle_timeout: timedelta = timedelta(minutes=30)
    max_lifetime: timedelta = timedelta(hours=12)
    #: ``last_seen_at`` is written at most this often (fewer writes; idle precision).
    touch_interval: timedelta = timedelta(seconds=30)


@dataclass(frozen=True)
class AgentView:
    id: int
    username: str
    role: str
    created_at: datetime
    disabled: bool
    last_login_at: Optional[datetime]

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def actor(self) -> str:
        """The identity used in the ticket store (assignee, audit actor, note author)."""
        return f"agent:{self.username}"

    def to_json(self) -> dict:
        return {
            "username": self.username,
            "role": self.role,
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat(),
            "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
        }


@dataclass(frozen=True)
class SessionView:
    agent: AgentView
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class LoginResult:
    #: The raw session id for the cookie (only its digest is stored).
    session_id: str
    session: SessionView


@dataclass(frozen=True)
class TokenView:
    id: int
    label: str
    created_at: datetime
    last_used_at: Optional[datetime]
    revoked: bool

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "label": self.label,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked": self.revoked,
        }


@dataclass(frozen=True)
class AccountEventView:
    id: int
    at: datetime
    actor: str
    action: str
    subject: Optional[str]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
        }


def _agent_view(agent: Agent) -> AgentView:
    return AgentView(
        id=agent.id,
        username=agent.username,
        role=agent.role,
        created_at=agent.created_at,
        disabled=agent.disabled_at is not None,
        last_login_at=agent.last_login_at,
    )


def _role(value: Any) -> str:
    if value not in (ROLE_AGENT, ROLE_ADMIN):
        raise InvalidAccountField("role", "must be 'agent' or 'admin'")
    return value


def _label(value: Any) -> str:
    if value is None or value == "":
        return "api"
    if not isinstance(value, str) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}$", value.strip()):
        raise InvalidAccountField("label", "1-64 characters: letters, digits, space, '_', '.', '-'")
    return value.strip()
