"""The demo shop: seeded deterministically, at realistic size, with the demo customers in it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot import cli
from bot.fulfilment.shop import seed_shop
from bot.fulfilment.shop.schema import accounts, orders
from bot.fulfilment.sql import create_system_engine
from bot.verification.directory import DEMO_CUSTOMERS
from tests.conftest import make_environ


def test_default_seed_has_thousands_of_customers_and_tens_of_thousands_of_orders(tmp_path: Path) -> None:
    engine = create_system_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    try:
        report = seed_shop(engine)
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(accounts)).scalar_one() >= 3000
            assert connection.execute(select(func.count()).select_from(orders)).scalar_one() >= 20000
        assert report.counts["accounts"] >= 3000 and not report.skipped
    finally:
        engine.dispose()


def test_seeding_twice_gives_identical_rows(tmp_path: Path) -> None:
    snapshots = []
    for name in ("a", "b"):
        engine = create_system_engine(f"sqlite:///{tmp_path / name}.db")
        try:
            seed_shop(engine, customers=200, orders_per_customer=4)
            with engine.connect() as connection:
                snapshots.append([tuple(row) for row in connection.execute(select(orders).order_by(orders.c.id))])
        finally:
            engine.dispose()
    assert snapshots[0] == snapshots[1] and len(snapshots[0]) > 200


def test_every_demo_customer_has_an_account_and_the_order_number_verification_knows(world) -> None:
    by_email = {row["email"]: row for row in world.rows("accounts")}
    order_numbers = {row["order_number"]: row["account_id"] for row in world.rows("orders")}
    for customer in DEMO_CUSTOMERS:
        account = by_email[customer.email.lower()]
        assert account["full_name"] == customer.full_name
        if customer.order_number:
            assert order_numbers[customer.order_number] == account["id"]


def test_seed_command_creates_the_shop_then_leaves_a_seeded_shop_alone(tmp_path: Path, monkeypatch, capsys) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    for key, value in make_environ(var_dir).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SHOP_DATABASE_URL", raising=False)
    assert cli.main(["shop", "seed", "--customers", "50", "--orders-per-customer", "2"]) == 0
    assert "Seeded the demo shop" in capsys.readouterr().out
    assert (var_dir / "shop.db").exists()
    assert cli.main(["shop", "seed"]) == 0
    assert "already seeded" in capsys.readouterr().out
