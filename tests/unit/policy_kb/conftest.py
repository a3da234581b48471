"""Knowledge bases built once per test session from the real policy and the second policy."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from policy_kb import KnowledgeBase, build

ROOT = Path(__file__).resolve().parents[3]
CARTIER_SOURCE = ROOT / "policy_kb" / "source" / "cartier-us-privacy-policy-2010.md"
SECOND_SOURCE = ROOT / "tests" / "data" / "second_policy.md"


@pytest.fixture(scope="session")
def kb_from_text(tmp_path_factory) -> Callable[[str], KnowledgeBase]:
    """Builds a knowledge base from a policy written in the test (the facts sit in known sentences)."""

    def make(text: str) -> KnowledgeBase:
        out = tmp_path_factory.mktemp("kb_generated")
        source = out / "policy.md"
        source.write_text(text, encoding="utf-8")
        build(source, out / "kb")
        return KnowledgeBase.load(out / "kb")

    return make


@pytest.fixture(scope="session")
def cartier_kb_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kb_cartier")
    build(CARTIER_SOURCE, out)
    return out


@pytest.fixture(scope="session")
def cartier_kb(cartier_kb_dir) -> KnowledgeBase:
    return KnowledgeBase.load(cartier_kb_dir)


@pytest.fixture(scope="session")
def second_kb(tmp_path_factory) -> KnowledgeBase:
    out = tmp_path_factory.mktemp("kb_second")
    build(SECOND_SOURCE, out)
    return KnowledgeBase.load(out)


@pytest.fixture(scope="session")
def cartier_rules_kb(cartier_kb_dir) -> KnowledgeBase:
    """The same KB answering with the earlier hand-tuned scorer (kept selectable: ``kb.scorer = "rules"``)."""
    kb = KnowledgeBase.load(cartier_kb_dir)
    kb.scorer = "rules"
    return kb


@pytest.fixture(scope="session")
def second_rules_kb(tmp_path_factory) -> KnowledgeBase:
    out = tmp_path_factory.mktemp("kb_second_rules")
    build(SECOND_SOURCE, out)
    kb = KnowledgeBase.load(out)
    kb.scorer = "rules"
    return kb
