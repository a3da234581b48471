"""The agent console's account domain: agents and admins, sessions, API tokens (no HTTP here).

    from bot.console import AccountService
    accounts = AccountService.from_settings(settings)
    result = accounts.login("alice", password, client="127.0.0.1")
    accounts.session(result.session_id)        # -> SessionView or None

The web layer is :mod:`bot.webapp.console` / :mod:`bot.webapp.api`.
"""

from bot.console.account_types import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    ROLE_ADMIN,
    ROLE_AGENT,
    AccountEventView,
    AccountPolicy,
    AgentView,
    LoginResult,
    SessionView,
    TokenView,
)
from bot.console.accounts import AccountService
from bot.console.errors import (
    AccountLocked,
    AgentExists,
    AgentNotFound,
    ConsoleError,
    InvalidAccountField,
    InvalidCredentials,
    TokenNotFound,
)

__all__ = [
    "AccountService",
    "AccountPolicy",
    "AgentView",
    "SessionView",
    "TokenView",
    "AccountEventView",
    "LoginResult",
    "ROLE_ADMIN",
    "ROLE_AGENT",
    "PASSWORD_MIN",
    "PASSWORD_MAX",
    "ConsoleError",
    "AccountLocked",
    "AgentExists",
    "AgentNotFound",
    "InvalidAccountField",
    "InvalidCredentials",
    "TokenNotFound",
]
