"""Helpers for the fulfilment tests: a migrated ticket store, a seeded shop, and a service over both."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.fulfilment import FulfilmentService, open_systems, parse_datamap
from bot.fulfilment.shop import SHOP_TABLES, seed_shop
from bot.fulfilment.sql import create_system_engine
from bot.privacy.crypto import DataCipher
from bot.settings import datamap_variables, settings_from_environ
from bot.storage.db import init_db
from tests.conftest import make_environ

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEMO_MAP = (PROJECT_ROOT / "datamap.yml").read_text(encoding="utf-8")
TEST_CUSTOMERS = 300
TEST_ORDERS = 6


@dataclass
class World:
    """A ticket store, a seeded shop and the settings that point at them."""

    environ: Dict[str, str]
    database_url: str
    shop_url: str
    shop: Engine

    def settings(self, **extra: str) -> Any:
        return settings_from_environ({**self.environ, **extra})

    def service(
        self, map_text: str = DEMO_MAP, path: str = "datamap.yml", digest: Optional[str] = "test", **kwargs: Any
    ) -> FulfilmentService:
        """A service over this world; ``digest=None`` fingerprints the map file as production does."""
        # The settings read the variables the given map names, as they do for DATAMAP_FILE.
        settings = replace(self.settings(), system_variables=datamap_variables(map_text, self.environ))
        datamap = parse_datamap(map_text, str(PROJECT_ROOT / path) if digest is None else path)
        systems = open_systems(datamap, settings, **kwargs)
        return FulfilmentService(
            init_db(self.database_url), DataCipher(list(settings.data_keys)), systems, digest=digest
        )

    def rows(self, table: str) -> List[Dict[str, Any]]:
        with self.shop.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608 - table names are the tests' own literals

    def snapshot(self) -> Dict[str, List[tuple]]:
        """Every row of every shop table, sorted (to prove what did and did not change)."""
        out = {}
        for table in SHOP_TABLES:
            out[table] = sorted((tuple(str(v) for v in row.values()) for row in self.rows(table)))
        return out


@contextmanager
def make_world(tmp_path: Path, backend: str, postgres_url: Optional[str] = None, **seed: Any) -> Iterator[World]:
    var_dir = tmp_path / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        from tests.unit.console.support import migrated_sqlite_url

        database_url = migrated_sqlite_url(var_dir)
        shop_url = f"sqlite:///{var_dir / 'shop.db'}"
        yield from _world(var_dir, database_url, shop_url, seed)
    else:
        from tests.unit.console.support import postgres_schema

        assert postgres_url
        with postgres_schema(postgres_url) as url:
            yield from _world(var_dir, url, url, seed)


def _world(var_dir: Path, database_url: str, shop_url: str, seed: Dict[str, Any]) -> Iterator[World]:
    environ = make_environ(var_dir, DATABASE_URL=database_url, SHOP_DATABASE_URL=shop_url)
    engine = create_system_engine(shop_url)
    try:
        seed_shop(
            engine,
            customers=seed.pop("customers", TEST_CUSTOMERS),
            orders_per_customer=seed.pop("orders_per_customer", TEST_ORDERS),
            **seed,
        )
        yield World(environ, database_url, shop_url, engine)
    finally:
        engine.dispose()
