"""The access package: exactly the requester's records from every system, as JSON and as a readable page.

The JSON is the machine-readable copy (portable: one object per system and
table); the HTML page shows the same rows in tables a person can read, rendered
with Jinja2 autoescaping so a value from a company system can never become markup.
Manual systems appear as checklist items an agent completes by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.fulfilment.connectors.base import now_utc
from bot.fulfilment.datamap import DataMap

__all__ = ["AccessPackage", "build_access_package"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class AccessPackage:
    """Personal data: hand it only to the verified requester; never log it."""

    json_bytes: bytes
    html: str
    row_count: int

    def __repr__(self) -> str:
        return f"AccessPackage(rows={self.row_count})"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_access_package(view: Any, datamap: DataMap, records: Mapping[str, Mapping[str, Any]]) -> AccessPackage:
    systems = []
    rows = 0
    for step in view.steps:
        system = datamap.systems[step.system]
        tables: Dict[str, Any] = dict(records.get(step.system, {}))
        rows += sum(len(v) for v in tables.values())
        systems.append(
            {
                "system": step.system,
                "title": system.title,
                "status": step.status,
                "instructions": system.instructions if step.status == "waiting" else None,
                "tables": tables,
            }
        )
    document = {"request": view.id, "generated_at": now_utc().isoformat(), "systems": systems}
    # Compact, so the C encoder is used (indent falls back to pure Python: 6x slower at 10k rows).
    json_bytes = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    html = _environment().get_template("access_package.html.j2").render(document=document, rows=rows)
    return AccessPackage(json_bytes=json_bytes, html=html, row_count=rows)
