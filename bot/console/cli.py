"""``privacy-desk agents ...``: manage console accounts from the shell.

    privacy-desk agents create alice --role admin      # prompts for the password twice
    echo "$PW" | privacy-desk agents create bob --password-stdin
    privacy-desk agents list | disable NAME | enable NAME | reset-password NAME | token NAME [--label L]

Passwords come from a prompt (``getpass``) or one line on stdin, never from argv.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Callable, Optional

from bot.console.account_types import ROLE_ADMIN, ROLE_AGENT
from bot.console.accounts import AccountService
from bot.console.errors import ConsoleError

__all__ = ["register"]

_ACTOR = "system:cli"


def _service() -> AccountService:
    from bot.settings import load_settings

    return AccountService.from_settings(load_settings())


def _read_password(args: argparse.Namespace) -> Optional[str]:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        print("The passwords do not match.", file=sys.stderr)
        return None
    return first


def _run(action: Callable[[AccountService], int]) -> int:
    service = _service()
    try:
        return action(service)
    except ConsoleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        service.database.dispose()


def _create(args: argparse.Namespace) -> int:
    password = _read_password(args)
    if password is None:
        return 1

    def action(service: AccountService) -> int:
        agent = service.create_agent(args.username, password, role=args.role, actor=_ACTOR)
        print(f"Created {agent.role} {agent.username}. Log in at /console/login.")
        return 0

    return _run(action)


def _reset(args: argparse.Namespace) -> int:
    password = _read_password(args)
    if password is None:
        return 1

    def action(service: AccountService) -> int:
        agent = service.reset_password(args.username, password, actor=_ACTOR)
        print(f"Password of {agent.username} reset; their sessions were ended.")
        return 0

    return _run(action)


def _disable(args: argparse.Namespace) -> int:
    def action(service: AccountService) -> int:
        agent = service.set_disabled(args.username, True, actor=_ACTOR)
        print(f"Disabled {agent.username}: sessions ended, API tokens refused.")
        return 0

    return _run(action)


def _enable(args: argparse.Namespace) -> int:
    def action(service: AccountService) -> int:
        agent = service.set_disabled(args.username, False, actor=_ACTOR)
        print(f"Enabled {agent.username}.")
        return 0

    return _run(action)


def _token(args: argparse.Namespace) -> int:
    def action(service: AccountService) -> int:
        raw, view = service.issue_token(args.username, label=args.label, actor=_ACTOR)
        print(raw)
        print(f"API token #{view.id} ({view.label}) for {args.username}: shown once, store it now.", file=sys.stderr)
        return 0

    return _run(action)


def _list(args: argparse.Namespace) -> int:
    def action(service: AccountService) -> int:
        for agent in service.list_agents():
            state = "disabled" if agent.disabled else "active"
            print(f"{agent.username}\t{agent.role}\t{state}")
        return 0

    return _run(action)


def register(subparsers: "argparse._SubParsersAction") -> None:
    agents = subparsers.add_parser(
        "agents", help="manage agent console accounts (create, disable, reset-password, token)"
    )
    sub = agents.add_subparsers(dest="agents_command", metavar="ACTION", required=True)

    create = sub.add_parser("create", help="create an agent or admin (password prompted)")
    create.add_argument("username")
    create.add_argument("--role", choices=[ROLE_AGENT, ROLE_ADMIN], default=ROLE_AGENT)
    create.add_argument("--password-stdin", action="store_true", help="read the password from one line on stdin")
    create.set_defaults(func=_create)

    reset = sub.add_parser("reset-password", help="set a new password (ends the agent's sessions, clears lockout)")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    reset.set_defaults(func=_reset)

    disable = sub.add_parser("disable", help="disable an account (sessions ended, tokens refused)")
    disable.add_argument("username")
    disable.set_defaults(func=_disable)

    enable = sub.add_parser("enable", help="re-enable a disabled account")
    enable.add_argument("username")
    enable.set_defaults(func=_enable)

    token = sub.add_parser("token", help="issue an API token (printed once on stdout)")
    token.add_argument("username")
    token.add_argument("--label", default="cli")
    token.set_defaults(func=_token)

    listing = sub.add_parser("list", help="list accounts")
    listing.set_defaults(func=_list)
