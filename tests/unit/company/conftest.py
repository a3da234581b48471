"""Two real policies: Cartier's (the repository's) and Washingtonian's (a PolicyQA document)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bot.company import configure
from policy_kb.builder import build
from tests.unit.channels.conftest import bot, server  # noqa: F401 - the channel webhooks, for the texts tests

ROOT = Path(__file__).resolve().parents[3]
CARTIER_POLICY = ROOT / "policy_kb" / "source" / "cartier-us-privacy-policy-2010.md"
CARTIER_FILE = ROOT / "company.yml"
SECOND_POLICY = ROOT / "tests" / "data" / "policies" / "washingtonian-com-privacy-policy.md"
SECOND_FILE = ROOT / "tests" / "data" / "policies" / "washingtonian-com-company.yml"


@pytest.fixture(scope="session")
def cartier_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cartier-kb")
    build(CARTIER_POLICY, out, embeddings=False)
    return out


@pytest.fixture(scope="session")
def second_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("second-kb")
    build(SECOND_POLICY, out, embeddings=False)
    return out


@pytest.fixture
def second_company(second_kb: Path) -> Iterator[Path]:
    """The process's current profile is the second company's for the test, then back to the settings'."""
    configure(second_kb, SECOND_FILE)
    try:
        yield second_kb
    finally:
        configure()
