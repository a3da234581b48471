"""The SQL connector: any database SQLAlchemy speaks, parameterised queries only.

Table and column names come from the data map (checked against the live schema
at start-up) and are quoted by SQLAlchemy; values are always bound parameters.
Access and previews run in a read-only transaction (``SET TRANSACTION READ ONLY``
on PostgreSQL/MySQL, ``PRAGMA query_only`` on SQLite).  Erasure of one system is
one transaction: every table of the system changes, or none does.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional

from sqlalchemy import column, delete, func, or_, select, table, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.fulfilment.connectors.base import AccessResult, Purpose, Receipt, TableCount, TablePlan, json_safe, now_utc
from bot.fulfilment.datamap import DataMap, EraseMode, FieldAction, System, TableRule
from bot.fulfilment.errors import ConnectorError
from bot.fulfilment.identities import Identities, normalise
from bot.storage.db import write_engine

__all__ = ["SqlConnector", "MASK"]

MASK = "[erased]"
log = logging.getLogger(__name__)


class SqlConnector:
    """One SQL system of the data map, over an engine the caller owns."""

    def __init__(self, datamap: DataMap, system: System, engine: Engine) -> None:
        self.datamap = datamap
        self.system = system
        self.engine = engine

    @property
    def rule(self) -> str:
        return f"{self.datamap.path} systems.{self.system.name} (line {self.system.line})"

    # ---------------------------------------------------------------- helpers

    @contextmanager
    def _read_only(self) -> Iterator[Connection]:
        dialect = self.engine.dialect.name
        try:
            with self.engine.connect() as connection:
                try:
                    with connection.begin():
                        if dialect == "sqlite":
                            connection.exec_driver_sql("PRAGMA query_only = ON")
                        elif dialect in ("postgresql", "mysql", "mariadb"):
                            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                        yield connection
                finally:
                    if dialect == "sqlite":
                        connection.exec_driver_sql("PRAGMA query_only = OFF")
                        connection.commit()
        except SQLAlchemyError as exc:
            raise ConnectorError("database_error", type(exc).__name__, retryable=True) from None

    def _where(self, rule: TableRule, known: Identities) -> Optional[Any]:
        clauses = [column(name).in_(sorted(known[identity])) for name, identity in rule.match if known.get(identity)]
        return or_(*clauses) if clauses else None

    @staticmethod
    def _table(rule: TableRule, *names: str) -> Any:
        return table(rule.name, *(column(name) for name in names))

    def _changes(self, rule: TableRule, purpose: Purpose) -> Dict[str, Any]:
        if purpose is Purpose.STOP_USING:
            return dict(rule.stop_using)
        return {
            f.column: (None if f.action is FieldAction.NULLIFY else MASK)
            for f in rule.fields
            if f.action is not FieldAction.KEEP
        }

    def _deletes(self, rule: TableRule, purpose: Purpose) -> bool:
        return rule.stop_using_delete if purpose is Purpose.STOP_USING else rule.erase is EraseMode.DELETE_ROW

    # ---------------------------------------------------------------- connector API

    def lookup(self, known: Identities) -> Dict[str, frozenset]:
        found: Dict[str, set] = {}
        with self._read_only() as connection:
            for item in self.system.lookups:
                values = known.get(item.by)
                if not values:
                    continue
                names = [col for _, col in item.yields]
                source = table(item.table, *(column(n) for n in set(names) | {item.field}))
                query = select(*(source.c[n] for n in names)).where(source.c[item.field].in_(sorted(values)))
                for row in connection.execute(query):
                    for (identity, _), value in zip(item.yields, row):
                        clean = normalise(self.datamap.identities[identity].format, value)
                        if clean:
                            found.setdefault(identity, set()).add(clean)
        return {name: frozenset(values) for name, values in found.items()}

    def preview(self, known: Identities, purpose: Purpose, request_id: str) -> List[TablePlan]:
        plans = []
        with self._read_only() as connection:
            for rule in self.system.tables:
                where = self._where(rule, known)
                source = self._table(rule, *(name for name, _ in rule.match))
                rows = (
                    connection.execute(select(func.count()).select_from(source).where(where)).scalar_one()
                    if where is not None
                    else 0
                )
                plans.append(self._plan(rule, purpose, rows))
        return plans

    def _plan(self, rule: TableRule, purpose: Purpose, rows: int) -> TablePlan:
        if purpose is Purpose.ACCESS:
            return TablePlan(rule.name, rows, "return", changed_fields=tuple((c, "return") for c in rule.columns))
        if self._deletes(rule, purpose):
            return TablePlan(rule.name, rows, "delete_row", changed_fields=tuple((c, "delete") for c in rule.columns))
        changes = self._changes(rule, purpose)
        if not changes:
            return TablePlan(rule.name, rows, "none")
        if purpose is Purpose.STOP_USING:
            return TablePlan(rule.name, rows, "set", changed_fields=tuple((c, "set") for c in changes))
        changed = tuple((f.column, f.action.value) for f in rule.fields if f.action is not FieldAction.KEEP)
        kept = tuple((f.column, f.reason or "") for f in rule.kept())
        return TablePlan(rule.name, rows, "fields", changed_fields=changed, kept_fields=kept)

    def access(self, known: Identities, request_id: str) -> AccessResult:
        records: Dict[str, List[Dict[str, Any]]] = {}
        counts = []
        with self._read_only() as connection:
            for rule in self.system.tables:
                where = self._where(rule, known)
                rows: List[Dict[str, Any]] = []
                if where is not None:
                    names = list(rule.columns)
                    source = self._table(rule, *set(names) | {n for n, _ in rule.match})
                    query = select(*(source.c[n] for n in names)).where(where)
                    if rule.key:
                        query = query.order_by(source.c[rule.key])
                    rows = [{n: json_safe(v) for n, v in zip(names, row)} for row in connection.execute(query)]
                records[rule.name] = rows
                counts.append(TableCount(rule.name, found=len(rows), rule="access"))
        receipt = Receipt(
            self.system.name,
            Purpose.ACCESS.value,
            "done",
            self.rule,
            now_utc().isoformat(),
            found=sum(c.found for c in counts),
            changed=0,
            tables=tuple(counts),
        )
        log.info("fulfilment access: system=%s tables=%d rows=%d", self.system.name, len(counts), receipt.found)
        return AccessResult(receipt, records)

    def erase(self, known: Identities, purpose: Purpose, request_id: str) -> Receipt:
        counts = []
        try:
            with write_engine(self.engine).begin() as connection:
                for rule in self.system.tables:
                    counts.append(self._erase_table(connection, rule, known, purpose))
        except SQLAlchemyError as exc:
            raise ConnectorError("database_error", type(exc).__name__, retryable=True) from None
        changed = sum(c.changed for c in counts)
        log.info(
            "fulfilment %s: system=%s tables=%d rows_changed=%d", purpose.value, self.system.name, len(counts), changed
        )
        return Receipt(
            self.system.name,
            purpose.value,
            "done",
            self.rule,
            now_utc().isoformat(),
            found=sum(c.found for c in counts),
            changed=changed,
            tables=tuple(counts),
        )

    def _erase_table(self, connection: Connection, rule: TableRule, known: Identities, purpose: Purpose) -> TableCount:
        where = self._where(rule, known)
        if where is None:
            return TableCount(rule.name, 0, 0, "no identity to match")
        if self._deletes(rule, purpose):
            result = connection.execute(delete(self._table(rule, *(n for n, _ in rule.match))).where(where))
            return TableCount(rule.name, result.rowcount, result.rowcount, "delete_row")
        changes = self._changes(rule, purpose)
        if not changes:
            return TableCount(rule.name, 0, 0, "untouched")
        source = self._table(rule, *set(changes) | {n for n, _ in rule.match})
        result = connection.execute(update(source).where(where).values(**changes))
        kept = ",".join(sorted({f.reason or "" for f in rule.kept()}))
        label = "stop_using" if purpose is Purpose.STOP_USING else "fields" + (f"; kept: {kept}" if kept else "")
        return TableCount(rule.name, result.rowcount, result.rowcount, label)
