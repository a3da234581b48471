"""Reading YAML as nodes, so every error can name the file, line and field it is about.

PyYAML's ``compose`` keeps each node's position; plain ``safe_load`` throws it
away (and silently keeps the last of two duplicate keys, which in a data map
would silently drop a rule).  These helpers read the node tree directly.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Optional, Tuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["Where", "NodeError", "compose", "mapping", "sequence", "scalar", "text", "boolean", "number", "line_of"]


class NodeError(ValueError):
    """A problem at one place in the file: ``where`` is the dotted field, ``line`` 1-based."""

    def __init__(self, message: str, where: str, line: Optional[int]) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.line = line


Where = str


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


def compose(source: str) -> Optional[Node]:
    try:
        return yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise NodeError(f"not valid YAML: {exc.problem or exc.context}", "", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise NodeError(f"not valid YAML: {type(exc).__name__}", "", None) from None


def mapping(
    node: Node, where: Where, allowed: Optional[Iterable[str]] = None, required: Iterable[str] = ()
) -> List[Tuple[str, Node, Node]]:
    """``(key, key_node, value_node)`` in file order; unknown, duplicate and missing keys are errors."""
    if not isinstance(node, MappingNode):
        raise NodeError("must be a mapping (key: value lines)", where, line_of(node))
    allowed_set = set(allowed) if allowed is not None else None
    seen: dict = {}
    items = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            raise NodeError("keys must be plain names", where, line_of(key_node))
        key = key_node.value
        child = f"{where}.{key}" if where else key
        if key in seen:
            raise NodeError(f"'{key}' is given twice (first on line {seen[key]})", child, line_of(key_node))
        if allowed_set is not None and key not in allowed_set:
            raise NodeError(
                f"unknown key '{key}' (expected one of: {', '.join(sorted(allowed_set))})", child, line_of(key_node)
            )
        seen[key] = line_of(key_node)
        items.append((key, key_node, value_node))
    for name in required:
        if name not in seen:
            raise NodeError(f"'{name}' is required", where, line_of(node))
    return items


def sequence(node: Node, where: Where) -> List[Node]:
    if not isinstance(node, SequenceNode):
        raise NodeError("must be a list", where, line_of(node))
    return list(node.value)


def _value(node: Node) -> Any:
    return yaml.SafeLoader("").construct_object(node, deep=True)


def scalar(node: Node, where: Where) -> Any:
    if not isinstance(node, ScalarNode):
        raise NodeError("must be a single value", where, line_of(node))
    return _value(node)


def _typed(check: Callable[[Any], bool], what: str) -> Callable[[Node, Where], Any]:
    def read(node: Node, where: Where) -> Any:
        value = scalar(node, where)
        if not check(value):
            raise NodeError(f"must be {what}", where, line_of(node))
        return value

    return read


text = _typed(lambda v: isinstance(v, str) and bool(v.strip()), "a non-empty text")
boolean = _typed(lambda v: isinstance(v, bool), "true or false")
number = _typed(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0, "a non-negative number")
