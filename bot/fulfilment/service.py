"""Fulfilment: from a verified request to done, in the company's own systems.

:class:`FulfilmentService` is the one entry point the console, the CLI and the
ticket flow use:

1. :meth:`~FulfilmentService.plan` finds the person (the lookup graph), previews
   every system (counts, fields changed, fields kept and why) and persists a run
   with one pending step per system;
2. :meth:`~FulfilmentService.approve` records the agent's approval;
3. :meth:`~FulfilmentService.execute` runs the steps in map order, one
   transaction per system.  A step that is done is never run again; a failed or
   interrupted one is retried by calling ``execute`` again (resume).  Access
   returns the :class:`~bot.fulfilment.package.AccessPackage` too.
4. Manual systems stay ``waiting`` until :meth:`~FulfilmentService.complete_manual`.

Everything persisted or logged is names and counts; the person's identities are
stored encrypted, their records only ever leave in the access package.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.fulfilment.checks import check_against_systems
from bot.fulfilment.connectors import (
    Connector,
    ManualConnector,
    Purpose,
    Receipt,
    SqlConnector,
    TablePlan,
    WebhookConnector,
)
from bot.fulfilment.connectors.base import now_utc
from bot.fulfilment.datamap import ConnectorKind, DataMap, load_datamap
from bot.fulfilment.errors import ConnectorError, DataMapError, PlanChanged
from bot.fulfilment.package import AccessPackage, build_access_package
from bot.fulfilment.resolve import resolve_person
from bot.fulfilment.sql import create_system_engine
from bot.fulfilment.store import ACCESS_RUN_KEEP, RunStore, RunView, forget_old_access_runs

__all__ = ["FulfilmentService", "Systems", "open_systems", "load_checked_datamap", "datamap_path", "startup_check"]

log = logging.getLogger(__name__)


def datamap_path(settings: Any, override: Optional[str] = None) -> Path:
    """``override``, else ``DATAMAP_FILE`` (relative to the project), else ``datamap.yml`` at the project root."""
    from bot.settings import datamap_path as project_datamap_path

    return project_datamap_path(override or settings.datamap_file)


class Systems:
    """The connectors of a data map, with the engines they own (one per distinct URL)."""

    def __init__(self, datamap: DataMap, connectors: Mapping[str, Connector], engines: Mapping[str, Engine]) -> None:
        self.datamap = datamap
        self.connectors = dict(connectors)
        self.engines = dict(engines)

    def close(self) -> None:
        for engine in {id(e): e for e in self.engines.values()}.values():
            engine.dispose()


def _variable(settings: Any, name: Optional[str]) -> Optional[str]:
    """The value of a variable the map names (``url_env``, ``secret_env``), read with the settings."""
    if not name:
        return None
    return settings.system_variables.get(name) or None


def open_systems(
    datamap: DataMap, settings: Any, *, check: bool = True, http_client: Any = None, sleep: Any = None
) -> Systems:
    """Build every connector of ``datamap`` from ``settings``; with ``check``, refuse a map that does not fit the live systems."""
    engines: Dict[str, Engine] = {}
    by_url: Dict[str, Engine] = {}
    connectors: Dict[str, Connector] = {}
    for system in datamap.systems.values():
        if system.connector is ConnectorKind.SQL:
            url = _variable(settings, system.url_env) or (system.default_url or "").replace(
                "{var_dir}", str(getattr(settings, "var_dir", "var"))
            )
            if not url:
                raise datamap.error(f"{system.url_env} is not set", f"systems.{system.name}.url_env", system.line)
            engines[system.name] = by_url.get(url) or by_url.setdefault(url, create_system_engine(url))
            connectors[system.name] = SqlConnector(datamap, system, engines[system.name])
        elif system.connector is ConnectorKind.WEBHOOK:
            extra = {"client": http_client} if http_client is not None else {}
            if sleep is not None:
                extra["sleep"] = sleep
            connectors[system.name] = WebhookConnector(
                datamap,
                system,
                url=_variable(settings, system.url_env) or system.url,
                secret=_variable(settings, system.secret_env),
                **extra,
            )
        else:
            connectors[system.name] = ManualConnector(datamap, system)
    systems = Systems(datamap, connectors, engines)
    if check:
        try:
            check_against_systems(datamap, engines)
        except DataMapError:
            systems.close()
            raise
    return systems


def load_checked_datamap(settings: Any, override: Optional[str] = None) -> DataMap:
    """Parse the map and check it against the live systems (the start-up check)."""
    datamap = load_datamap(datamap_path(settings, override))
    open_systems(datamap, settings).close()
    return datamap


def startup_check(settings: Any) -> Optional[str]:
    """``None`` when the data map fits the live systems, else the sentence to print at start-up (file, line, field).

    ``privacy-desk run`` prints it and starts the rest of the desk: only fulfilment is refused
    (the console shows the same error) until the map is fixed.
    """
    try:
        load_checked_datamap(settings)
    except DataMapError as exc:
        return f"Fulfilment is off until the data map is fixed: {exc}"
    except SQLAlchemyError as exc:  # a URL SQLAlchemy cannot use (no driver, malformed)
        return f"Fulfilment is off: a system's database URL cannot be used ({type(exc).__name__})"
    return None


def _digest(datamap: DataMap) -> str:
    try:
        return hashlib.sha256(Path(datamap.path).read_bytes()).hexdigest()
    except OSError:
        return hashlib.sha256(repr(datamap).encode("utf-8")).hexdigest()


def _plan_json(plans: Iterable[TablePlan]) -> List[Dict[str, Any]]:
    return [
        {
            "table": p.table,
            "rows": p.rows,
            "action": p.action,
            "changed_fields": [list(f) for f in p.changed_fields],
            "kept_fields": [list(f) for f in p.kept_fields],
        }
        for p in plans
    ]


class FulfilmentService:
    def __init__(self, database: Any, cipher: Any, systems: Systems, *, digest: Optional[str] = None) -> None:
        self.database = database
        self.cipher = cipher
        self.systems = systems
        self.datamap = systems.datamap
        self.store = RunStore(database)
        self.digest = digest or _digest(self.datamap)

    # ---------------------------------------------------------------- planning

    def find(self, given: Mapping[str, Iterable[Any]]) -> Dict[str, frozenset]:
        """The person's identities across the systems (raises AmbiguousPerson, ConnectorError)."""
        return resolve_person(self.datamap, self.systems.connectors, given)

    def plan(
        self, purpose: Purpose, given: Mapping[str, Iterable[Any]], *, ticket_reference: Optional[str] = None
    ) -> RunView:
        """Find the person, preview every system, persist the run awaiting approval."""
        known = self.find(given)
        run_id = uuid.uuid4().hex
        preview: Dict[str, Any] = {
            "identities_found": {name: len(values) for name, values in known.items()},
            "systems": {},
        }
        for name, connector in self.systems.connectors.items():
            system = self.datamap.systems[name]
            entry: Dict[str, Any] = {"title": system.title, "connector": system.connector.value}
            try:
                entry["tables"] = _plan_json(connector.preview(known, purpose, run_id)) if known else []
            except ConnectorError as exc:
                entry["tables"], entry["error"] = [], exc.code
            preview["systems"][name] = entry
        preview["legal_reasons"] = dict(self.datamap.legal_reasons)
        ids_ct = self.cipher.encrypt_json({name: sorted(values) for name, values in known.items()})
        self.store.create(
            run_id,
            purpose=purpose.value,
            ticket_reference=ticket_reference,
            identities_ct=ids_ct,
            digest=self.digest,
            plan=preview,
            systems=list(self.systems.connectors),
        )
        log.info("fulfilment plan: run=%s purpose=%s systems=%d", run_id, purpose.value, len(self.systems.connectors))
        return self.store.view(run_id)

    def approve(self, run_id: str, agent: str) -> RunView:
        self.store.approve(run_id, agent)
        log.info("fulfilment approved: run=%s", run_id)
        return self.store.view(run_id)

    def view(self, run_id: str) -> RunView:
        return self.store.view(run_id)

    def runs_for_ticket(self, reference: str) -> List[RunView]:
        return [self.store.view(run_id) for run_id in self.store.runs_for_ticket(reference)]

    # ---------------------------------------------------------------- execution

    def execute(self, run_id: str, *, break_lease: bool = False) -> Tuple[RunView, Optional[AccessPackage]]:
        """Run every step that is not done yet; returns the run (and, for access, the package).

        Safe to call again after a crash or a failed system: done steps are skipped
        (access re-reads every system, even in a finished run, since records are never stored).  ``break_lease``
        is for an operator who knows the previous executor died.
        """
        parts = self.store.secret_parts(run_id)
        if parts["digest"] != self.digest:
            raise PlanChanged("the data map changed since this run was planned: plan it again")
        purpose = Purpose(parts["purpose"])
        known = {name: frozenset(values) for name, values in self.cipher.decrypt_json(parts["identities_ct"]).items()}
        self.store.take_lease(run_id, break_lease=break_lease, rerun_done=purpose is Purpose.ACCESS)
        records: Dict[str, Any] = {}
        receipts: List[Receipt] = []
        for step in self.store.view(run_id).steps:
            if step.status == "done" and purpose is not Purpose.ACCESS:
                continue
            if step.status == "waiting":
                continue
            receipt = self._run_step(run_id, step.system, purpose, known, records)
            receipts.append(receipt)
        status = self.store.finish_run(run_id)
        self._forget_if_done(run_id, purpose, status)
        log.info("fulfilment run: run=%s purpose=%s status=%s", run_id, purpose.value, status)
        view = self.store.view(run_id)
        package = build_access_package(view, self.datamap, records) if purpose is Purpose.ACCESS else None
        return view, package

    def _run_step(
        self, run_id: str, system: str, purpose: Purpose, known: Mapping[str, frozenset], records: Dict[str, Any]
    ) -> Receipt:
        connector = self.systems.connectors[system]
        self.store.start_step(run_id, system)
        try:
            if purpose is Purpose.ACCESS:
                result = connector.access(known, run_id)
                receipt = result.receipt
                if result.records:
                    records[system] = result.records
            else:
                receipt = connector.erase(known, purpose, run_id)
        except ConnectorError as exc:
            log.warning("fulfilment step failed: run=%s system=%s error=%s", run_id, system, exc.code)
            receipt = Receipt(
                system,
                purpose.value,
                "failed",
                getattr(connector, "rule", system),
                now_utc().isoformat(),
                error=exc.code,
            )
        self.store.finish_step(run_id, system, receipt)
        return receipt

    def complete_manual(self, run_id: str, system: str, agent: str) -> RunView:
        """An agent ticks a manual checklist item: the step is done, with the agent named in the receipt."""
        if self.datamap.systems[system].connector is not ConnectorKind.MANUAL:
            raise ValueError("only manual systems are ticked by hand")
        if self.store.step_status(run_id, system) != "waiting":
            raise ValueError("the checklist item is not waiting")
        connector = self.systems.connectors[system]
        purpose = self.store.view(run_id).purpose
        receipt = Receipt(
            system, purpose, "done", f"{getattr(connector, 'rule', system)}; ticked by {agent}", now_utc().isoformat()
        )
        self.store.finish_step(run_id, system, receipt)
        self._forget_if_done(run_id, Purpose(purpose), self.store.finish_run(run_id))
        return self.store.view(run_id)

    def _forget_if_done(self, run_id: str, purpose: Purpose, status: str) -> None:
        """A finished erasure or stop-using run no longer needs the person's identities: drop them.

        Access runs keep them while the package may be re-read; :meth:`forget_old_access_runs` drops those.
        """
        if status == "done" and purpose is not Purpose.ACCESS:
            self.store.forget_identities(run_id, self.cipher.encrypt_json({}))

    def forget_old_access_runs(self, older_than: timedelta = ACCESS_RUN_KEEP) -> int:
        """Drop the identities of access runs older than ``older_than`` (the daily retention run does the same)."""
        return forget_old_access_runs(self.database, self.cipher, older_than)

    def close(self) -> None:
        self.systems.close()
