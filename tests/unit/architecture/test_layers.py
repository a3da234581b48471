"""The house's layers: the domain never imports the edges, and only ``bot/storage`` opens databases.

Read from the source with :mod:`ast` (nothing is imported), so a lazy import
inside a function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[3]

#: The domain: plain Python over the storage layer, knowing nothing of Rasa, HTTP or the adapters.
DOMAIN_PACKAGES = (
    "policy_kb",
    "bot/tickets",
    "bot/requests",
    "bot/verification",
    "bot/notify",
    "bot/notices",
    "bot/privacy",
    "bot/console",
    "bot/fulfilment",
    "bot/company",
    "bot/storage",
)
#: What sits above the domain (or is Rasa / HTTP itself).
UPWARD = (
    "rasa",
    "rasa_sdk",
    "sanic",
    "starlette",
    "bot.webapp",
    "bot.channels",
    "actions",
    "bot.services",
    "bot.rasa",
    "bot.ops",
    "bot.jobs",
)
#: Calls that open a database engine.
ENGINE_FACTORIES = ("create_engine", "create_async_engine")
#: Alembic's environment imports nothing upward either, but the revisions are history: not checked for layers.
NOT_CHECKED = ("bot/storage/migrations/versions",)


def _modules(*folders: str) -> List[Path]:
    found: List[Path] = []
    for folder in folders:
        base = ROOT / folder
        found.extend(
            p
            for p in sorted(base.rglob("*.py"))
            if not any(str(p.relative_to(ROOT)).startswith(n) for n in NOT_CHECKED)
        )
    return found


def _imports(tree: ast.AST, package: str) -> Iterator[Tuple[int, str]]:
    """Every imported module, relative ones (``from ..webapp import x``) resolved against ``package``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.lineno, node.module or ""
                continue
            parts = package.split(".")
            base = parts[: len(parts) - (node.level - 1)]
            if node.module:
                yield node.lineno, ".".join([*base, node.module])
            else:
                for alias in node.names:
                    yield node.lineno, ".".join([*base, alias.name])


def _is_under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def upward_imports(path: Path, root: Path = ROOT) -> List[str]:
    """``file:line imports module`` for each import of ``path`` that points up the layers."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(root)
    package = ".".join(rel.parent.parts)
    return [
        f"{rel}:{line} imports {module}"
        for line, module in _imports(tree, package)
        if any(_is_under(module, p) for p in UPWARD)
    ]


def engine_calls(path: Path, root: Path = ROOT) -> List[str]:
    """``file:line`` for each call of an engine factory: ``create_engine(...)``, ``sa.create_engine(...)``,
    or the factory imported under another name (``from sqlalchemy import create_engine as make``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(root)
    factories = {name: name for name in ENGINE_FACTORIES}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            factories.update({a.asname: a.name for a in node.names if a.asname and a.name in ENGINE_FACTORIES})
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in factories:
                found.append(f"{rel}:{node.lineno} calls {factories[name]}")
    return found


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_domain_packages_never_import_rasa_http_or_the_adapters(package: str) -> None:
    problems = [problem for path in _modules(package) for problem in upward_imports(path)]
    assert problems == [], "domain code imports upward:\n" + "\n".join(problems)


def test_only_bot_storage_creates_database_engines() -> None:
    everything = _modules("bot", "actions", "policy_kb")
    problems = [
        p
        for path in everything
        if not str(path.relative_to(ROOT)).startswith("bot/storage/")
        for p in engine_calls(path)
    ]
    assert problems == [], "engines created outside bot/storage:\n" + "\n".join(problems)


def test_the_checks_see_an_upward_import_and_an_engine(tmp_path: Path) -> None:
    """The detectors themselves: a lazy upward import and an aliased engine factory are both found."""
    sample = tmp_path / "bot" / "tickets" / "sample.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "def f():\n    import sqlalchemy as sa\n    from bot.webapp.api import routes\n    return sa.create_engine('sqlite://')\n",
        encoding="utf-8",
    )
    assert upward_imports(sample, tmp_path) == ["bot/tickets/sample.py:3 imports bot.webapp.api"]
    assert engine_calls(sample, tmp_path) == ["bot/tickets/sample.py:4 calls create_engine"]


def test_the_checks_see_a_relative_upward_import_and_a_renamed_engine_factory(tmp_path: Path) -> None:
    """``from ..webapp import api`` inside ``bot/tickets`` is an upward import; a renamed factory is still one."""
    sample = tmp_path / "bot" / "tickets" / "sample.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "from ..webapp import api\n"
        "from . import states\n"
        "from sqlalchemy import create_engine as make\n"
        "engine = make('sqlite://')\n",
        encoding="utf-8",
    )
    assert upward_imports(sample, tmp_path) == ["bot/tickets/sample.py:1 imports bot.webapp"]
    assert engine_calls(sample, tmp_path) == ["bot/tickets/sample.py:4 calls create_engine"]
