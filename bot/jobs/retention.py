"""Retention: ``privacy-desk purge`` and the daily run that ``make run`` starts.

One run

1. deletes conversations older than ``CONVERSATION_RETENTION_DAYS`` (default 30)
   from the encrypted tracker store (:meth:`ConversationRecords.purge`);
2. anonymises tickets closed more than ``TICKET_RETENTION_DAYS`` ago (the ticket
   store's :meth:`~bot.tickets.service.TicketService.anonymise_closed`, which
   audits each ticket);
3. deletes short-lived channel records past the conversation retention where
   their stores exist (Twilio webhook ids and continuation state, expired
   one-time-code challenges);
4. leaves one audit event for the run with counts only
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
from bot.clock import utcnow
from bot.fulfilment.delivery import purge_expired_packages
from bot.fulfilment.store import ACCESS_RUN_KEEP, forget_old_access_runs
from bot.jobs.stores import AgePurge, CutoffPurge, PurgeStep
from bot.logging_setup import configure_process_logging
from bot.notices.service import purge_notices
from bot.privacy.conversations import ConversationRecords
from bot.privacy.crypto import DataCipher, Indexer
from bot.services import Services
from bot.settings import load_settings
from bot.verification.codes import CodeStore

__all__ = ["PurgeReport", "run_purge", "start_daily_purge", "register", "parse_interval"]

log = logging.getLogger(__name__)

ACTOR = "system:retention"
DAY = timedelta(days=1)
FIRST_RUN_DELAY_S = 60.0
#: How long expired one-time-code challenges are kept (the code store's own default).
CHALLENGE_KEEP = timedelta(days=1)


@dataclass
class PurgeReport:
    """Counts only: what one retention run deleted or anonymised."""

    conversations_deleted: int = 0
    conversation_events_deleted: int = 0
    tickets_anonymised: int = 0
    channel_records_deleted: int = 0
    failed_steps: List[str] = field(default_factory=list)
    audited: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed_steps

    def audit_counts(self) -> Dict[str, int]:
        """Short names for the audit event's reason code (``purge.c3.e41.t2.r7``)."""
        return {
            "c": self.conversations_deleted,
            "e": self.conversation_events_deleted,
            "t": self.tickets_anonymised,
            "r": self.channel_records_deleted,
        }


def run_purge(
    settings: Any,
    *,
    now: Optional[datetime] = None,
    records: Optional[ConversationRecords] = None,
    ticket_service: Any = None,
) -> PurgeReport:
    """One retention run over every store; never raises for a failing step."""
    now = now or utcnow()
    report = PurgeReport()
    conversation_cutoff = now - timedelta(days=settings.conversation_retention_days)

    # The stores not handed in come from one Services (one database, one cipher), closed at the end.
    services: Optional[Services] = None
    if records is None or ticket_service is None:
        services = Services.from_settings(settings, verify_keys=False)
    try:
        try:
            if records is None and services is not None:
                records = services.conversations
            if records is None:
                raise RuntimeError("no conversation records")
            records.create_schema()
            counts = records.purge(conversation_cutoff)
            report.conversations_deleted = counts.conversations
            report.conversation_events_deleted = counts.events
        except Exception as exc:  # noqa: BLE001 - report and continue with the other stores
            _failed(report, "conversations", exc)

        try:
            if ticket_service is None and services is not None:
                ticket_service = services.tickets
        except Exception as exc:  # noqa: BLE001
            _failed(report, "tickets", exc)
            ticket_service = None
        if ticket_service is not None:
            try:
                report.tickets_anonymised = ticket_service.anonymise_closed(
                    timedelta(days=settings.ticket_retention_days), actor=ACTOR
                )
            except Exception as exc:  # noqa: BLE001
                _failed(report, "tickets", exc)
            for step in _purge_steps(settings, ticket_service.database):
                try:
                    report.channel_records_deleted += step.store.purge(now - step.keep)
                except Exception as exc:  # noqa: BLE001
                    _failed(report, step.name, exc)
            report.audited = _audit(ticket_service, report)
    finally:
        if services is not None:
            services.close()

    log.info(
        "retention run: %d conversation(s) / %d event(s) deleted, %d ticket(s) anonymised, "
        "%d channel record(s) deleted%s",
        report.conversations_deleted,
        report.conversation_events_deleted,
        report.tickets_anonymised,
        report.channel_records_deleted,
        "" if report.ok else f"; failed: {', '.join(report.failed_steps)}",
    )
    return report


def _failed(report: PurgeReport, step: str, exc: BaseException) -> None:
    report.failed_steps.append(step)
    log.error("retention step %s failed: %s", step, type(exc).__name__)


def _purge_steps(settings: Any, database: Any) -> List[PurgeStep]:
    """The short-lived stores that live in the ticket database, each with how long it keeps rows."""
    cipher = DataCipher(list(settings.data_keys))
    twilio = TwilioChannelStore(database, cipher)
    codes = CodeStore(database, Indexer(settings.index_key), cipher)
    return [
        PurgeStep("twilio-state", timedelta(days=settings.conversation_retention_days), AgePurge(twilio.purge)),
        # Challenges expire in minutes: a day covers their send windows (the store keeps at least those).
        PurgeStep("verification-codes", CHALLENGE_KEEP, AgePurge(codes.purge)),
        # Access packages behind expiring links: deleted once expired or used up.
        PurgeStep("fulfilment-packages", timedelta(0), CutoffPurge(lambda now: purge_expired_packages(database, now))),
        PurgeStep(
            "fulfilment-access-runs",
            ACCESS_RUN_KEEP,
            AgePurge(lambda age: forget_old_access_runs(database, cipher, age)),
        ),
        # Notices hold the requester's contact: kept as long as the tickets they are about.
        PurgeStep(
            "notices",
            timedelta(days=settings.ticket_retention_days),
            AgePurge(lambda age: purge_notices(database, age)),
        ),
    ]


def _audit(ticket_service: Any, report: PurgeReport) -> bool:
    record = getattr(ticket_service, "record_retention_run", None)
    if record is None:
        log.warning("the ticket store has no retention audit API; this run is not audited")
        return False
    try:
        record(report.audit_counts(), actor=ACTOR)
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
        print(json.dumps(asdict(report), sort_keys=True))
        return
    print(
        f"Deleted {report.conversations_deleted} conversation(s) ({report.conversation_events_deleted} event(s)), "
        f"anonymised {report.tickets_anonymised} closed ticket(s), deleted {report.channel_records_deleted} "
        f"channel record(s)." + ("" if report.audited else " (not audited)")
    )
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
