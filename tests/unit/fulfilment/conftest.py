from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.unit.fulfilment.support import World, make_world


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    postgres_url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with make_world(tmp_path, request.param, postgres_url) as built:
        yield built


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    with make_world(tmp_path, "sqlite") as built:
        yield built
