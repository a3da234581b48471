"""``privacy-desk notices send|remind|failed``: run the notice sender, list undelivered notices.

``send`` delivers what is due once and exits (cron, tests); ``send --loop`` keeps
sending every ``--interval`` seconds until SIGTERM/SIGINT (the supervisor runs
it next to the other processes).  Any number of senders may run at once: each
notice is claimed by one (see :mod:`bot.notices.sender`).  Output: counts only.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from typing import Any, Optional

__all__ = ["register", "run_sender", "main"]

log = logging.getLogger(__name__)


#: How often a looping sender sweeps for at-risk tickets (reminders are once per ticket and due date).
REMIND_EVERY_SECONDS = 600.0


def remind(services: Any) -> int:
    """Queue the agents' at-risk reminders (see :mod:`bot.notices.reminders`); returns how many are new."""
    from bot.notices.reminders import ReminderPolicy, queue_at_risk

    policy = ReminderPolicy.from_settings(services.settings)
    return queue_at_risk(services.notices, services.tickets, policy, services.clock().date())


def run_sender(
    services: Any, *, loop: bool = False, interval: float = 5.0, limit: int = 50, stop: Optional[threading.Event] = None
) -> dict:
    """Send due notices (once, or until ``stop`` is set); returns the totals.  A looping sender
    also queues the at-risk reminders every :data:`REMIND_EVERY_SECONDS`."""
    stop = stop or threading.Event()
    totals = {"sent": 0, "retried": 0, "failed": 0, "interrupted": 0}
    next_reminders = 0.0
    while True:
        try:
            if loop and time.monotonic() >= next_reminders:
                remind(services)
                next_reminders = time.monotonic() + REMIND_EVERY_SECONDS
            report = services.notice_sender.run_once(limit=limit)
        except Exception as exc:  # noqa: BLE001 - a looping sender outlives a database that is not ready yet
            if not loop:
                raise
            log.warning("notice pass failed (%s); retrying in %.0fs", type(exc).__name__, interval)
            if stop.wait(interval):
                return totals
            continue
        for name in totals:
            totals[name] += getattr(report, name)
        if not loop:
            return totals
        if report.handled < limit and stop.wait(interval):
            return totals


def _send(args: argparse.Namespace) -> int:
    from bot.services import Services

    services = Services.from_settings()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        totals = run_sender(services, loop=args.loop, interval=args.interval, limit=args.limit, stop=stop)
    finally:
        services.close()
    print(json.dumps(totals))
    return 0


def _remind(args: argparse.Namespace) -> int:
    from bot.services import Services

    services = Services.from_settings()
    try:
        print(json.dumps({"reminders_queued": remind(services)}))
    finally:
        services.close()
    return 0


def _failed(args: argparse.Namespace) -> int:
    from bot.services import Services

    services = Services.from_settings()
    try:
        print(json.dumps([notice.to_json() for notice in services.notices.failed(args.limit)], indent=2))
    finally:
        services.close()
    return 0


def register(subparsers: "argparse._SubParsersAction") -> None:
    parser = subparsers.add_parser("notices", help="send the requesters' notices; list undelivered ones")
    commands = parser.add_subparsers(dest="notices_command", metavar="ACTION", required=True)
    send = commands.add_parser("send", help="deliver due notices (exactly once, safe to run on several replicas)")
    send.add_argument("--loop", action="store_true", help="keep sending until stopped")
    send.add_argument("--interval", type=float, default=5.0, help="seconds between passes with --loop")
    send.add_argument("--limit", type=int, default=50, help="notices per pass")
    send.set_defaults(func=_send)
    commands.add_parser("remind", help="queue at-risk reminders to the desk (NOTICE_AT_RISK_DAYS)").set_defaults(
        func=_remind
    )
    failed = commands.add_parser("failed", help="notices that did not reach the requester (masked, JSON)")
    failed.add_argument("--limit", type=int, default=50)
    failed.set_defaults(func=_failed)


def main() -> int:
    """``python -m bot.jobs.notices send --loop``: the supervisor's notice sender process."""
    from bot.logging_setup import configure_logging
    from bot.settings import load_settings

    settings = load_settings()
    configure_logging(process="notice-sender", log_dir=settings.log_dir, log_retention_days=settings.log_retention_days)
    parser = argparse.ArgumentParser(prog="privacy-desk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["notices", *sys.argv[1:]])
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
