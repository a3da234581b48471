"""Persistence of fulfilment runs and steps (the service owns every transaction)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional, Sequence

from sqlalchemy import or_, select, update

from bot.fulfilment.connectors.base import Receipt, now_utc
from bot.fulfilment.errors import FulfilmentError, RunNotFound
from bot.fulfilment.models import FulfilmentRun, FulfilmentStep
from bot.storage.reencrypt import reencrypt_columns

__all__ = [
    "StepView",
    "RunView",
    "RunStore",
    "RunBusy",
    "RunIdentities",
    "rotate_run_keys",
    "forget_old_access_runs",
    "ACCESS_RUN_KEEP",
]

LEASE = timedelta(minutes=5)
#: How long a finished access run keeps the requester's identities (to re-read the package).
ACCESS_RUN_KEEP = timedelta(days=30)


class RunBusy(FulfilmentError):
    """Another executor holds the run (or crashed less than the lease ago: pass ``break_lease``)."""


@dataclass(frozen=True)
class StepView:
    system: str
    position: int
    status: str
    attempts: int
    error_code: Optional[str]
    receipt: Optional[Receipt]


@dataclass(frozen=True)
class RunView:
    """A run as the console and tickets see it: names, counts, statuses (no personal values)."""

    id: str
    purpose: str
    status: str
    ticket_reference: Optional[str]
    plan: Mapping[str, Any]
    steps: Sequence[StepView]
    approved_by: Optional[str]


class RunStore:
    def __init__(self, database: Any) -> None:
        self._db = database

    def create(
        self,
        run_id: str,
        *,
        purpose: str,
        ticket_reference: Optional[str],
        identities_ct: bytes,
        digest: str,
        plan: Mapping[str, Any],
        systems: Sequence[str],
    ) -> None:
        now = now_utc()
        with self._db.write() as session, session.begin():
            session.add(
                FulfilmentRun(
                    id=run_id,
                    ticket_reference=ticket_reference,
                    purpose=purpose,
                    status="planned",
                    identities_ct=identities_ct,
                    datamap_digest=digest,
                    plan_json=json.dumps(plan, sort_keys=True),
                    created_at=now,
                )
            )
            session.flush()
            for position, system in enumerate(systems):
                session.add(
                    FulfilmentStep(run_id=run_id, position=position, system=system, status="pending", attempts=0)
                )

    def _run(self, session: Any, run_id: str) -> FulfilmentRun:
        run = session.get(FulfilmentRun, run_id)
        if run is None:
            raise RunNotFound("no such fulfilment run")
        return run

    def secret_parts(self, run_id: str) -> Dict[str, Any]:
        with self._db.read() as session:
            run = self._run(session, run_id)
            return {
                "identities_ct": run.identities_ct,
                "digest": run.datamap_digest,
                "purpose": run.purpose,
                "status": run.status,
            }

    def view(self, run_id: str) -> RunView:
        with self._db.read() as session:
            run = self._run(session, run_id)
            steps = session.scalars(
                select(FulfilmentStep).where(FulfilmentStep.run_id == run_id).order_by(FulfilmentStep.position)
            ).all()
            return RunView(
                id=run.id,
                purpose=run.purpose,
                status=run.status,
                ticket_reference=run.ticket_reference,
                plan=json.loads(run.plan_json),
                approved_by=run.approved_by,
                steps=[
                    StepView(
                        s.system,
                        s.position,
                        s.status,
                        s.attempts,
                        s.error_code,
                        Receipt.from_json(json.loads(s.receipt_json)) if s.receipt_json else None,
                    )
                    for s in steps
                ],
            )

    def runs_for_ticket(self, reference: str) -> List[str]:
        with self._db.read() as session:
            return list(
                session.scalars(
                    select(FulfilmentRun.id)
                    .where(FulfilmentRun.ticket_reference == reference)
                    .order_by(FulfilmentRun.created_at)
                ).all()
            )

    def approve(self, run_id: str, agent: str) -> None:
        with self._db.write() as session, session.begin():
            run = self._run(session, run_id)
            if run.status != "planned":
                raise FulfilmentError(f"the run is {run.status}, not awaiting approval")
            run.status, run.approved_by, run.approved_at = "approved", agent, now_utc()

    def take_lease(self, run_id: str, *, break_lease: bool, rerun_done: bool = False) -> None:
        """Mark the run running for this executor; ``rerun_done`` also accepts a finished run (access re-reads)."""
        now = now_utc()
        statuses = ("approved", "running", "partial") + (("done",) if rerun_done else ())
        with self._db.write() as session, session.begin():
            statement = update(FulfilmentRun).where(FulfilmentRun.id == run_id, FulfilmentRun.status.in_(statuses))
            if not break_lease:
                statement = statement.where(or_(FulfilmentRun.lease_until.is_(None), FulfilmentRun.lease_until < now))
            if session.execute(statement.values(status="running", lease_until=now + LEASE)).rowcount != 1:
                self._run(session, run_id)
                raise RunBusy("the run is not approved, or another executor is working on it")

    def start_step(self, run_id: str, system: str) -> None:
        now = now_utc()
        with self._db.write() as session, session.begin():
            session.execute(
                update(FulfilmentStep)
                .where(FulfilmentStep.run_id == run_id, FulfilmentStep.system == system)
                .values(status="running", attempts=FulfilmentStep.attempts + 1, started_at=now, error_code=None)
            )
            session.execute(update(FulfilmentRun).where(FulfilmentRun.id == run_id).values(lease_until=now + LEASE))

    def finish_step(self, run_id: str, system: str, receipt: Receipt) -> None:
        with self._db.write() as session, session.begin():
            session.execute(
                update(FulfilmentStep)
                .where(FulfilmentStep.run_id == run_id, FulfilmentStep.system == system)
                .values(
                    status=receipt.status,
                    receipt_json=json.dumps(receipt.to_json(), sort_keys=True),
                    error_code=receipt.error,
                    finished_at=now_utc() if receipt.status != "waiting" else None,
                )
            )

    def finish_run(self, run_id: str) -> str:
        with self._db.write() as session, session.begin():
            run = self._run(session, run_id)
            statuses = session.scalars(select(FulfilmentStep.status).where(FulfilmentStep.run_id == run_id)).all()
            run.status = "done" if all(s == "done" for s in statuses) else "partial"
            run.lease_until = None
            run.finished_at = now_utc() if run.status == "done" else None
            return run.status

    def forget_identities(self, run_id: str, empty_ct: bytes) -> None:
        """Replace the run's stored identities (``empty_ct``: an encrypted empty mapping) once they are no longer needed."""
        with self._db.write() as session, session.begin():
            session.execute(update(FulfilmentRun).where(FulfilmentRun.id == run_id).values(identities_ct=empty_ct))

    def finished_access_runs(self, before: Any) -> List[str]:
        with self._db.read() as session:
            return list(
                session.scalars(
                    select(FulfilmentRun.id).where(
                        FulfilmentRun.purpose == "access",
                        FulfilmentRun.created_at < before,
                        FulfilmentRun.status.in_(("done", "partial")),
                    )
                ).all()
            )

    def step_status(self, run_id: str, system: str) -> Optional[str]:
        with self._db.read() as session:
            return session.scalar(
                select(FulfilmentStep.status).where(FulfilmentStep.run_id == run_id, FulfilmentStep.system == system)
            )


def rotate_run_keys(database: Any, cipher: Any, batch_size: int = 500) -> int:
    """Re-encrypt the runs' stored identities under the first ``DATA_KEYS`` key (``privacy-desk rotate-keys``)."""
    return reencrypt_columns(
        database.write.begin, FulfilmentRun, FulfilmentRun.id, [FulfilmentRun.identities_ct], cipher.rotate, batch_size
    )


def forget_old_access_runs(database: Any, cipher: Any, older_than: timedelta = ACCESS_RUN_KEEP) -> int:
    """Replace the stored identities of finished access runs older than ``older_than``."""
    return RunIdentities(database, cipher).purge(now_utc() - older_than)


class RunIdentities:
    """The requester identities fulfilment runs keep (encrypted): the stores the retention and key jobs sweep."""

    def __init__(self, database: Any, cipher: Any) -> None:
        self._db = database
        self._cipher = cipher

    def purge(self, cutoff: datetime) -> int:
        """Forget the identities of access runs finished before ``cutoff`` (:class:`~bot.storage.sweep.Purgeable`)."""
        store = RunStore(self._db)
        runs = store.finished_access_runs(cutoff)
        for run_id in runs:
            store.forget_identities(run_id, self._cipher.encrypt_json({}))
        return len(runs)

    def rotate(self, cipher: Any, batch_size: int = 500) -> int:
        """Re-encrypt the runs' identities under ``cipher``'s first key (:class:`~bot.storage.sweep.Rotatable`)."""
        return rotate_run_keys(self._db, cipher, batch_size)
