"""Retention: ``privacy-desk purge`` and the daily run that ``make run`` starts.

One run asks every store listed by :meth:`bot.services.Services.purge_steps` (plus
the Twilio channel's short-lived records, an edge store) to ``purge`` what it keeps
from before its cut-off (:class:`bot.storage.sweep.Purgeable`): conversation events
older than ``CONVERSATION_RETENTION_DAYS``, tickets closed more than
``TICKET_RETENTION_DAYS`` ago (anonymised, each audited), expired one-time-code
challenges, fulfilment packages and access-run identities, finished notices.  It then
leaves one audit event for the run with counts only
(:meth:`TicketService.record_retention_run`).

A step that fails is logged (type only) and reported; the others still run.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional

from bot.channels.twilio_store import TwilioChannelStore
from bot.logging_setup import configure_process_logging
from bot.services import Services
from bot.settings import load_settings
from bot.storage.sweep import PurgeStep

__all__ = ["PurgeReport", "run_purge", "start_daily_purge", "register", "parse_interval"]

log = logging.getLogger(__name__)

ACTOR = "system:retention"
DAY = timedelta(days=1)
FIRST_RUN_DELAY_S = 60.0


@dataclass
class PurgeReport:
    """Counts only: rows each store deleted (or, for tickets, anonymised) in one retention run."""

    deleted: Dict[str, int] = field(default_factory=dict)
    failed_steps: List[str] = field(default_factory=list)
    audited: bool = False
    #: Counts under the steps' short audit keys (``e`` events, ``t`` tickets, ``r`` other records).
    audit_counts: Dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.failed_steps


def purge_steps(services: Services) -> List[PurgeStep]:
    """The composition root's stores, and the Twilio channel's records (kept as long as conversations)."""
    twilio = TwilioChannelStore(services.database, services.cipher)
    keep = timedelta(days=services.settings.conversation_retention_days)
    return [*services.purge_steps(), PurgeStep("twilio-state", keep, twilio)]


def run_purge(settings: Any, *, now: Optional[datetime] = None, services: Optional[Services] = None) -> PurgeReport:
    """One retention run over every store; never raises for a failing step.

    ``services`` (tests hand in their own) is built from ``settings`` and closed at the end when not given.
    """
    own = services is None
    services = services or Services.from_settings(settings, verify_keys=False)
    report = PurgeReport()
    try:
        now = now or services.clock()
        for step in purge_steps(services):
            report.audit_counts.setdefault(step.audit_key, 0)
            try:
                count = step.store.purge(now - step.keep)
            except Exception as exc:  # noqa: BLE001 - report and continue with the other stores
                _failed(report, step.name, exc)
                continue
            report.deleted[step.name] = count
            report.audit_counts[step.audit_key] += count
        report.audited = _audit(services, report)
    finally:
        if own:
            services.close()
    log.info(
        "retention run: %s%s",
        ", ".join(f"{name} {count}" for name, count in report.deleted.items()),
        "" if report.ok else f"; failed: {', '.join(report.failed_steps)}",
    )
    return report


def _failed(report: PurgeReport, step: str, exc: BaseException) -> None:
    report.failed_steps.append(step)
    log.error("retention step %s failed: %s", step, type(exc).__name__)


def _audit(services: Services, report: PurgeReport) -> bool:
    try:
        services.tickets.record_retention_run(report.audit_counts, actor=ACTOR)
    except Exception as exc:  # noqa: BLE001
        _failed(report, "audit", exc)
        return False
    return True


# --------------------------------------------------------------------------- background schedule


def start_daily_purge(
    settings: Any,
    interval: timedelta = DAY,
    first_delay: float = FIRST_RUN_DELAY_S,
    runner: Callable[[Any], PurgeReport] = run_purge,
) -> Callable[[], None]:
    """Run ``runner(settings)`` shortly after start and then every ``interval`` in a daemon thread.

    Returns a function that stops the schedule (used by ``privacy-desk run`` on shutdown).
    """
    stop = threading.Event()

    def loop() -> None:
        delay = first_delay
        while not stop.wait(delay):
            try:
                runner(settings)
            except Exception as exc:  # noqa: BLE001 - keep the schedule alive
                log.error("retention run failed: %s", type(exc).__name__)
            delay = interval.total_seconds()

    thread = threading.Thread(target=loop, name="privacy-desk-retention", daemon=True)
    thread.start()

    def stopper() -> None:
        stop.set()
        thread.join(timeout=5)

    return stopper


# --------------------------------------------------------------------------- CLI

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_interval(text: str) -> timedelta:
    match = _INTERVAL.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError("expected a duration such as 24h, 90m or 1d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _purge_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_process_logging(settings, "retention")
    if args.every is None:
        report = run_purge(settings)
        _print(report, args.json)
        return 0 if report.ok else 1
    stopper = start_daily_purge(settings, interval=args.every, first_delay=0.0)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stopper()
    return 0


def _print(report: PurgeReport, as_json: bool) -> None:
    if as_json:
        out = asdict(report)
        del out["audit_counts"]
        print(json.dumps(out, sort_keys=True))
        return
    counts = ", ".join(f"{name} {count}" for name, count in report.deleted.items())
    print(f"Rows deleted or anonymised per store: {counts}." + ("" if report.audited else " (not audited)"))
    if report.failed_steps:
        print(f"Failed: {', '.join(report.failed_steps)} (see the log)")


def register(subparsers: "argparse._SubParsersAction") -> None:
    parser = subparsers.add_parser(
        "purge",
        help="delete conversations past CONVERSATION_RETENTION_DAYS, anonymise tickets past TICKET_RETENTION_DAYS",
    )
    parser.add_argument("--every", type=parse_interval, default=None, help="keep running, once per interval (e.g. 24h)")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.set_defaults(func=_purge_command)
