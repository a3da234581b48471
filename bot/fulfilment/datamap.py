"""The data map: where a company keeps personal data and what fulfilment does to it.

The operator writes one YAML file (``datamap.yml``; README "Fulfilment" documents
it).  :func:`parse_datamap` turns it into frozen dataclasses and refuses anything
unclear — unknown keys, duplicates, an identity nobody can find, a legal reason
never defined — with a :class:`DataMapError` naming the file, line and field.
Whether the tables and fields exist is checked against the live systems by
:mod:`bot.fulfilment.checks` at start-up.

A person is found by walking a small graph: a request carries some identities
(e-mail, phone); each *lookup* reads one table by one identity and *yields*
others (an account id, a phone); tables are then matched on any identity known.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from yaml.nodes import Node, ScalarNode

from bot.fulfilment import _yamlnodes as yn
from bot.fulfilment.errors import DataMapError

__all__ = [
    "ConnectorKind",
    "EraseMode",
    "FieldAction",
    "Identity",
    "FieldRule",
    "TableRule",
    "Lookup",
    "System",
    "DataMap",
    "DataMapError",
    "parse_datamap",
    "load_datamap",
]


class ConnectorKind(str, enum.Enum):
    SQL = "sql"
    WEBHOOK = "webhook"
    MANUAL = "manual"


class EraseMode(str, enum.Enum):
    """What erasure does to a matched row: delete it, or apply each field's action."""

    DELETE_ROW = "delete_row"
    FIELDS = "fields"


class FieldAction(str, enum.Enum):
    NULLIFY = "nullify"
    MASK = "mask"
    KEEP = "keep"


class IdentityFormat(str, enum.Enum):
    EMAIL = "email"
    PHONE = "phone"
    TEXT = "text"


@dataclass(frozen=True)
class Identity:
    """A kind of identifier (``email``); ``unique`` ones must resolve to one value per person."""

    name: str
    format: IdentityFormat
    unique: bool
    from_request: bool
    line: int


@dataclass(frozen=True)
class FieldRule:
    column: str
    action: FieldAction
    reason: Optional[str]
    line: int


@dataclass(frozen=True)
class TableRule:
    """One table holding personal data: how rows are matched, returned and erased."""

    name: str
    match: Tuple[Tuple[str, str], ...]  # (column, identity), OR'ed
    erase: EraseMode
    fields: Tuple[FieldRule, ...]
    key: Optional[str]
    stop_using: Tuple[Tuple[str, Any], ...]  # (column, value) set on a stop-using request
    stop_using_delete: bool
    line: int
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)  # "match.x" / "key" → line

    @property
    def columns(self) -> Tuple[str, ...]:
        """Columns returned on access: the key first, then every listed field."""
        names = [self.key] if self.key else []
        names += [rule.column for rule in self.fields if rule.column not in names]
        return tuple(names)

    def kept(self) -> Tuple[FieldRule, ...]:
        return tuple(rule for rule in self.fields if rule.action is FieldAction.KEEP)


@dataclass(frozen=True)
class Lookup:
    """Read ``table`` where ``field`` equals a known ``by`` identity; each ``yields`` column becomes that identity."""

    by: str
    table: str
    field: str
    yields: Tuple[Tuple[str, str], ...]  # (identity, column)
    line: int


@dataclass(frozen=True)
class System:
    name: str
    title: str
    connector: ConnectorKind
    line: int
    url_env: Optional[str] = None
    default_url: Optional[str] = None
    url: Optional[str] = None
    secret_env: Optional[str] = None
    timeout_s: float = 10.0
    retries: int = 3
    send: Tuple[str, ...] = ()
    instructions: Optional[str] = None
    lookups: Tuple[Lookup, ...] = ()
    tables: Tuple[TableRule, ...] = ()

    def table(self, name: str) -> TableRule:
        return next(t for t in self.tables if t.name == name)


@dataclass(frozen=True)
class DataMap:
    path: str
    identities: Mapping[str, Identity]
    legal_reasons: Mapping[str, str]
    systems: Mapping[str, System]  # in file order: erasure runs in this order

    def error(self, message: str, where: str, line: Optional[int]) -> DataMapError:
        return DataMapError(message, path=self.path, where=where, line=line)


# --------------------------------------------------------------------------- parsing

_TOP = ("version", "legal_reasons", "identities", "systems")
_IDENTITY = ("format", "unique", "from_request")
_SYSTEM_COMMON = ("title", "connector")
_SYSTEM_KEYS = {
    ConnectorKind.SQL: _SYSTEM_COMMON + ("url_env", "default_url", "lookups", "tables"),
    ConnectorKind.WEBHOOK: _SYSTEM_COMMON + ("url", "url_env", "secret_env", "timeout_s", "retries", "send"),
    ConnectorKind.MANUAL: _SYSTEM_COMMON + ("instructions", "send"),
}
_TABLE = ("match", "erase", "fields", "key", "stop_using")
_LOOKUP = ("by", "table", "field", "yields")


def _enum(enum_type: Any, node: Node, where: str) -> Any:
    raw = yn.text(node, where)
    try:
        return enum_type(raw)
    except ValueError:
        choices = ", ".join(member.value for member in enum_type)
        raise yn.NodeError(f"'{raw}' is not one of: {choices}", where, yn.line_of(node)) from None


def _name(node: Node, where: str, known: Mapping[str, Any], what: str) -> str:
    value = yn.text(node, where)
    if value not in known:
        raise yn.NodeError(f"unknown {what} '{value}' (defined: {', '.join(known) or 'none'})", where, yn.line_of(node))
    return value


class _Parser:
    def __init__(self, path: str) -> None:
        self.path = path
        self.identities: Dict[str, Identity] = {}
        self.reasons: Dict[str, str] = {}

    def parse(self, source: str) -> DataMap:
        root = yn.compose(source)
        if root is None:
            raise yn.NodeError("the data map is empty", "", 1)
        top = {
            key: value for key, _, value in yn.mapping(root, "", _TOP, required=("version", "identities", "systems"))
        }
        if yn.scalar(top["version"], "version") != 1:
            raise yn.NodeError("only version 1 is understood", "version", yn.line_of(top["version"]))
        if "legal_reasons" in top:
            for key, _, value in yn.mapping(top["legal_reasons"], "legal_reasons"):
                self.reasons[key] = yn.text(value, f"legal_reasons.{key}")
        for key, key_node, value in yn.mapping(top["identities"], "identities"):
            self.identities[key] = self._identity(key, key_node, value)
        systems: Dict[str, System] = {}
        for key, key_node, value in yn.mapping(top["systems"], "systems"):
            systems[key] = self._system(key, key_node, value)
        if not systems:
            raise yn.NodeError("at least one system is needed", "systems", yn.line_of(top["systems"]))
        datamap = DataMap(path=self.path, identities=self.identities, legal_reasons=self.reasons, systems=systems)
        _check_reachable(datamap)
        return datamap

    def _identity(self, name: str, key_node: Node, node: Node) -> Identity:
        where = f"identities.{name}"
        items = {k: v for k, _, v in yn.mapping(node, where, _IDENTITY)}
        fmt = _enum(IdentityFormat, items["format"], f"{where}.format") if "format" in items else IdentityFormat.TEXT
        unique = yn.boolean(items["unique"], f"{where}.unique") if "unique" in items else False
        from_request = yn.boolean(items["from_request"], f"{where}.from_request") if "from_request" in items else False
        return Identity(name=name, format=fmt, unique=unique, from_request=from_request, line=yn.line_of(key_node))

    def _system(self, name: str, key_node: Node, node: Node) -> System:
        where = f"systems.{name}"
        first = {k: v for k, _, v in yn.mapping(node, where, required=("connector",))}
        kind = _enum(ConnectorKind, first["connector"], f"{where}.connector")
        items = {k: v for k, _, v in yn.mapping(node, where, _SYSTEM_KEYS[kind])}
        line = yn.line_of(key_node)
        title = yn.text(items["title"], f"{where}.title") if "title" in items else name
        get = lambda key: yn.text(items[key], f"{where}.{key}") if key in items else None  # noqa: E731
        send = (
            tuple(
                _name(n, f"{where}.send", self.identities, "identity")
                for n in yn.sequence(items["send"], f"{where}.send")
            )
            if "send" in items
            else ()
        )
        if kind is ConnectorKind.SQL:
            if "url_env" not in items and "default_url" not in items:
                raise yn.NodeError(
                    "an SQL system needs url_env (the variable holding its SQLAlchemy URL) or default_url", where, line
                )
            tables = (
                tuple(
                    self._table(f"{where}.tables.{k}", k, kn, v)
                    for k, kn, v in yn.mapping(items["tables"], f"{where}.tables")
                )
                if "tables" in items
                else ()
            )
            if not tables:
                raise yn.NodeError("an SQL system needs at least one table under 'tables'", where, line)
            lookups = (
                tuple(
                    self._lookup(f"{where}.lookups[{i}]", n)
                    for i, n in enumerate(yn.sequence(items["lookups"], f"{where}.lookups"))
                )
                if "lookups" in items
                else ()
            )
            return System(
                name,
                title,
                kind,
                line,
                url_env=get("url_env"),
                default_url=get("default_url"),
                lookups=lookups,
                tables=tables,
            )
        if kind is ConnectorKind.WEBHOOK:
            if "url" not in items and "url_env" not in items:
                raise yn.NodeError("a webhook system needs url (https://...) or url_env", where, line)
            if "secret_env" not in items:
                raise yn.NodeError(
                    "a webhook system needs secret_env (the variable holding its signing secret)", where, line
                )
            url = get("url")
            if url is not None and not url.startswith("https://"):
                raise yn.NodeError("must be an https:// URL", f"{where}.url", yn.line_of(items["url"]))
            timeout = float(yn.number(items["timeout_s"], f"{where}.timeout_s")) if "timeout_s" in items else 10.0
            retries = int(yn.number(items["retries"], f"{where}.retries")) if "retries" in items else 3
            if not send:
                raise yn.NodeError("a webhook system needs 'send': the identities it is given", where, line)
            return System(
                name,
                title,
                kind,
                line,
                url=url,
                url_env=get("url_env"),
                secret_env=get("secret_env"),
                timeout_s=timeout,
                retries=retries,
                send=send,
            )
        if "instructions" not in items:
            raise yn.NodeError("a manual system needs 'instructions' for the agent", where, line)
        return System(name, title, kind, line, instructions=get("instructions"), send=send)

    def _lookup(self, where: str, node: Node) -> Lookup:
        items = {k: v for k, _, v in yn.mapping(node, where, _LOOKUP, required=_LOOKUP)}
        by = _name(items["by"], f"{where}.by", self.identities, "identity")
        yields = tuple(
            (_name(k_node, f"{where}.yields.{k}", self.identities, "identity"), yn.text(v, f"{where}.yields.{k}"))
            for k, k_node, v in yn.mapping(items["yields"], f"{where}.yields")
        )
        if not yields:
            raise yn.NodeError(
                "a lookup must yield at least one identity", f"{where}.yields", yn.line_of(items["yields"])
            )
        return Lookup(
            by,
            yn.text(items["table"], f"{where}.table"),
            yn.text(items["field"], f"{where}.field"),
            yields,
            yn.line_of(node),
        )

    def _table(self, where: str, name: str, key_node: Node, node: Node) -> TableRule:
        items = {k: v for k, _, v in yn.mapping(node, where, _TABLE, required=("match", "erase", "fields"))}
        lines: Dict[str, int] = {}
        match = []
        for column, column_node, identity in yn.mapping(items["match"], f"{where}.match"):
            match.append((column, _name(identity, f"{where}.match.{column}", self.identities, "identity")))
            lines[f"match.{column}"] = yn.line_of(column_node)
        if not match:
            raise yn.NodeError(
                "'match' needs at least one column: identity", f"{where}.match", yn.line_of(items["match"])
            )
        erase = _enum(EraseMode, items["erase"], f"{where}.erase")
        fields = self._fields(f"{where}.fields", items["fields"], erase)
        key = None
        if "key" in items:
            key = yn.text(items["key"], f"{where}.key")
            lines["key"] = yn.line_of(items["key"])
        stop_using: List[Tuple[str, Any]] = []
        stop_delete = False
        if "stop_using" in items:
            node_su = items["stop_using"]
            if isinstance(node_su, ScalarNode):
                if yn.scalar(node_su, f"{where}.stop_using") != "delete_row":
                    raise yn.NodeError(
                        "must be delete_row or a mapping of column: value", f"{where}.stop_using", yn.line_of(node_su)
                    )
                stop_delete = True
            else:
                for column, column_node, value in yn.mapping(node_su, f"{where}.stop_using"):
                    stop_using.append((column, yn.scalar(value, f"{where}.stop_using.{column}")))
                    lines[f"stop_using.{column}"] = yn.line_of(column_node)
        return TableRule(
            name, tuple(match), erase, fields, key, tuple(stop_using), stop_delete, yn.line_of(key_node), lines
        )

    def _fields(self, where: str, node: Node, erase: EraseMode) -> Tuple[FieldRule, ...]:
        if erase is EraseMode.DELETE_ROW:
            # The whole row goes: the list only says which columns access returns.
            return tuple(
                FieldRule(yn.text(n, where), FieldAction.NULLIFY, None, yn.line_of(n)) for n in yn.sequence(node, where)
            )
        rules = []
        for column, column_node, spec in yn.mapping(node, where):
            here = f"{where}.{column}"
            if isinstance(spec, ScalarNode):
                action = _enum(FieldAction, spec, here)
                if action is FieldAction.KEEP:
                    raise yn.NodeError("keep needs a legal reason: write 'keep: <reason>'", here, yn.line_of(spec))
                rules.append(FieldRule(column, action, None, yn.line_of(column_node)))
                continue
            (only,) = yn.mapping(spec, here, ("keep",), required=("keep",))
            reason = _name(only[2], f"{here}.keep", self.reasons, "legal reason")
            rules.append(FieldRule(column, FieldAction.KEEP, reason, yn.line_of(column_node)))
        if not rules:
            raise yn.NodeError("list at least one field", where, yn.line_of(node))
        return tuple(rules)


def _check_reachable(datamap: DataMap) -> None:
    """Every identity a table is matched on must come from the request or from some lookup."""
    reachable: Set[str] = {name for name, identity in datamap.identities.items() if identity.from_request}
    if not reachable:
        raise DataMapError(
            "no identity has from_request: true, so no person can ever be found", datamap.path, "identities", None
        )
    lookups = [lookup for system in datamap.systems.values() for lookup in system.lookups]
    changed = True
    while changed:
        changed = False
        for lookup in lookups:
            if lookup.by in reachable:
                for identity, _ in lookup.yields:
                    if identity not in reachable:
                        reachable.add(identity)
                        changed = True
    for system in datamap.systems.values():
        for table in system.tables:
            for column, identity in table.match:
                if identity not in reachable:
                    raise DataMapError(
                        f"identity '{identity}' is never known: requests do not carry it and no lookup yields it",
                        datamap.path,
                        f"systems.{system.name}.tables.{table.name}.match.{column}",
                        table.lines.get(f"match.{column}"),
                    )


def parse_datamap(source: str, path: str = "datamap.yml") -> DataMap:
    """Parse and check the map's own consistency (not the live systems: see :mod:`bot.fulfilment.checks`)."""
    try:
        return _Parser(path).parse(source)
    except yn.NodeError as exc:
        raise DataMapError(exc.message, path=path, where=exc.where, line=exc.line) from None


def load_datamap(path: Path) -> DataMap:
    try:
        source = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataMapError(f"cannot read the data map ({exc.strerror})", path=str(path), where="", line=None) from None
    return parse_datamap(source, str(path))
