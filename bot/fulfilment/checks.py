"""Start-up checks of the data map against the live systems.

A map that names a table or column the system does not have would fail in the
middle of an erasure; it is refused before any request is touched, with the line
of the offending entry.  Only SQL systems can be inspected this way.
"""

from __future__ import annotations

from typing import Dict, Mapping, Optional

from sqlalchemy import String, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.fulfilment.connectors.sql import MASK
from bot.fulfilment.datamap import ConnectorKind, DataMap, EraseMode, FieldAction, System

__all__ = ["check_against_systems"]


class _Columns:
    """Reflected columns of one system, table by table (read once)."""

    def __init__(self, engine: Engine) -> None:
        self._inspector = inspect(engine)
        self._names = set(self._inspector.get_table_names())
        self._cache: Dict[str, Dict[str, dict]] = {}

    def has_table(self, name: str) -> bool:
        return name in self._names

    def columns(self, table: str) -> Dict[str, dict]:
        if table not in self._cache:
            self._cache[table] = {column["name"]: column for column in self._inspector.get_columns(table)}
        return self._cache[table]


def _check_system(datamap: DataMap, system: System, engine: Engine) -> None:
    base = f"systems.{system.name}"
    try:
        live = _Columns(engine)
    except SQLAlchemyError as exc:
        raise datamap.error(f"cannot reach the system ({type(exc).__name__})", base, system.line) from None

    def need_table(table: str, where: str, line: Optional[int]) -> Dict[str, dict]:
        if not live.has_table(table):
            raise datamap.error(f"table '{table}' does not exist in the system", where, line)
        return live.columns(table)

    def need_column(columns: Mapping[str, dict], table: str, column: str, where: str, line: Optional[int]) -> dict:
        if column not in columns:
            raise datamap.error(f"field '{column}' does not exist in table '{table}'", where, line)
        return columns[column]

    for index, lookup in enumerate(system.lookups):
        where = f"{base}.lookups[{index}]"
        columns = need_table(lookup.table, where, lookup.line)
        need_column(columns, lookup.table, lookup.field, where, lookup.line)
        for _, column in lookup.yields:
            need_column(columns, lookup.table, column, f"{where}.yields", lookup.line)
    for table in system.tables:
        where = f"{base}.tables.{table.name}"
        columns = need_table(table.name, where, table.line)
        for column, _ in table.match:
            need_column(columns, table.name, column, f"{where}.match.{column}", table.lines.get(f"match.{column}"))
        if table.key:
            need_column(columns, table.name, table.key, f"{where}.key", table.lines.get("key"))
        for rule in table.fields:
            info = need_column(columns, table.name, rule.column, f"{where}.fields.{rule.column}", rule.line)
            if table.erase is EraseMode.DELETE_ROW:
                continue
            if rule.action is FieldAction.NULLIFY and not info.get("nullable", True):
                raise datamap.error(
                    f"field '{rule.column}' cannot be empty (NOT NULL): use mask, keep, or erase: delete_row",
                    f"{where}.fields.{rule.column}",
                    rule.line,
                )
            if rule.action is FieldAction.MASK and not isinstance(info.get("type"), String):
                raise datamap.error(
                    f"field '{rule.column}' is not text, so it cannot be masked: use nullify or keep",
                    f"{where}.fields.{rule.column}",
                    rule.line,
                )
            length = getattr(info.get("type"), "length", None)
            if rule.action is FieldAction.MASK and length is not None and length < len(MASK):
                raise datamap.error(
                    f"field '{rule.column}' holds {length} characters, too few for the mask '{MASK}': use nullify or keep",
                    f"{where}.fields.{rule.column}",
                    rule.line,
                )
        for column, _ in table.stop_using:
            need_column(
                columns, table.name, column, f"{where}.stop_using.{column}", table.lines.get(f"stop_using.{column}")
            )


def check_against_systems(datamap: DataMap, engines: Mapping[str, Engine]) -> None:
    """Raise :class:`DataMapError` for the first table/field the map names that a system lacks."""
    for system in datamap.systems.values():
        if system.connector is ConnectorKind.SQL:
            _check_system(datamap, system, engines[system.name])
