"""Fill the demo shop with deterministic synthetic customers (and the demo customers).

The same arguments always produce the same rows (one ``random.Random(seed)``), so
tests, benches and screenshots agree.  The demo customers of
:data:`bot.verification.directory.DEMO_CUSTOMERS` get accounts too, with the order
numbers the verification flow knows, so a demo requester exists in the shop.

Synthetic people are obviously fake: ``*.example`` addresses and 555-01xx numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection, Engine

from bot.fulfilment.shop.schema import (
    accounts,
    addresses,
    marketing_preferences,
    newsletter_subscribers,
    orders,
    shop_metadata,
    support_calls,
)

__all__ = [
    "SeedReport",
    "seed_shop",
    "default_shop_url",
    "DEFAULT_CUSTOMERS",
    "DEFAULT_ORDERS_PER_CUSTOMER",
    "HEAVY_ACCOUNT_ID",
]

DEFAULT_CUSTOMERS = 3000
DEFAULT_ORDERS_PER_CUSTOMER = 10
HEAVY_ACCOUNT_ID = "acct-heavy"
_EPOCH = datetime(2024, 1, 1, 9, 0, 0)
_CHUNK = 5000

_FIRST = ("Alex", "Sam", "Jordan", "Casey", "Riley", "Morgan", "Taylor", "Jamie", "Robin", "Avery", "Quinn", "Rowan")
_LAST = ("Sample", "Example", "Placeholder", "Fictive", "Mock", "Testwell", "Dummy", "Specimen")
_STREETS = ("Demo Street", "Sample Avenue", "Example Road", "Test Lane", "Mock Boulevard")
_CITIES = (
    ("New York", "10022"),
    ("San Francisco", "94105"),
    ("Chicago", "60601"),
    ("Miami", "33101"),
    ("Austin", "73301"),
)


@dataclass(frozen=True)
class SeedReport:
    """How many rows each table got (``skipped`` when the shop was already seeded)."""

    counts: Dict[str, int]
    skipped: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def default_shop_url(var_dir: Path) -> str:
    """The embedded default: an SQLite file next to the other local data."""
    return f"sqlite:///{Path(var_dir) / 'shop.db'}"


def _phone(index: int) -> str:
    # 555-0100..0199 are reserved for fiction; the area code makes each one unique.
    area, line = divmod(index, 100)
    return f"+1{300 + area:03d}555{100 + line:04d}"


def _synthetic_accounts(rng: random.Random, count: int) -> Iterator[Dict[str, Any]]:
    for i in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        yield {
            "id": f"acct-{i:06d}",
            "email": f"{first.lower()}.{last.lower()}.{i}@shop.example",
            "phone": _phone(i) if rng.random() < 0.8 else None,
            "full_name": f"{first} {last}",
            "date_of_birth": date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55)),
            "created_at": _EPOCH + timedelta(minutes=rng.randrange(0, 60 * 24 * 700)),
            "loyalty_tier": rng.choice(("none", "silver", "gold")),
        }


def _demo_accounts() -> List[Dict[str, Any]]:
    from bot.verification.directory import DEMO_CUSTOMERS

    rows = []
    for record in DEMO_CUSTOMERS:
        rows.append(
            {
                "id": f"acct-{record.customer_id}",
                "email": (record.email or f"{record.customer_id}@shop.example").lower(),
                "phone": record.phone,
                "full_name": record.full_name,
                "date_of_birth": record.date_of_birth,
                "created_at": _EPOCH,
                "loyalty_tier": "gold",
                "_order_number": record.order_number,
                "_postal_code": record.postal_code or "10022",
            }
        )
    return rows


class _Generator:
    """Rows for every table, derived from the accounts in one pass (deterministic)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next_order = 200000
        self.next_order_id = 1
        self.next_address_id = 1
        self.next_call_id = 1
        self.next_subscriber_id = 1

    def order(self, account: Dict[str, Any], number: Optional[str] = None) -> Dict[str, Any]:
        rng = self.rng
        if number is None:
            number = f"CNA-{self.next_order}"
            self.next_order += 1
        total = rng.randrange(5_000, 2_500_000)
        row = {
            "id": self.next_order_id,
            "order_number": number,
            "account_id": account["id"],
            "placed_at": _EPOCH + timedelta(minutes=rng.randrange(0, 60 * 24 * 700)),
            "total_cents": total,
            "tax_cents": total * 8 // 100,
            "currency": "USD",
            "shipping_name": account["full_name"],
            "shipping_address": account["_line1"],
            "payment_token": f"tok_{rng.getrandbits(96):024x}",
            "card_last4": f"{rng.randrange(0, 10000):04d}",
        }
        self.next_order_id += 1
        return row

    def address(self, account: Dict[str, Any], postal_code: Optional[str] = None) -> Dict[str, Any]:
        city, zip_code = self.rng.choice(_CITIES)
        row = {
            "id": self.next_address_id,
            "account_id": account["id"],
            # The unit number keeps every synthetic address unique (tests look for leaks by value).
            "line1": f"{self.rng.randrange(1, 999)} {self.rng.choice(_STREETS)}, Unit {self.next_address_id}",
            "city": city,
            "postal_code": postal_code or zip_code,
            "country": "US",
        }
        self.next_address_id += 1
        return row

    def preferences(self, account: Dict[str, Any]) -> Dict[str, Any]:
        rng = self.rng
        return {
            "account_id": account["id"],
            "email_opt_in": rng.random() < 0.6,
            "sms_opt_in": rng.random() < 0.3,
            "profiling_opt_in": rng.random() < 0.4,
            "updated_at": account["created_at"],
        }

    def call(self, account: Dict[str, Any]) -> Dict[str, Any]:
        row = {
            "id": self.next_call_id,
            "caller_phone": account["phone"],
            "account_id": account["id"] if self.rng.random() < 0.7 else None,
            "called_at": _EPOCH + timedelta(minutes=self.rng.randrange(0, 60 * 24 * 700)),
            "duration_s": self.rng.randrange(30, 1800),
            "agent_notes": f"Caller {account['full_name']} asked about an order.",
            "recording_ref": f"rec-{self.rng.getrandbits(64):016x}",
        }
        self.next_call_id += 1
        return row

    def subscriber(self, email: str, when: datetime) -> Dict[str, Any]:
        row = {
            "id": self.next_subscriber_id,
            "email": email,
            "subscribed_at": when,
            "source": self.rng.choice(("checkout", "footer", "store")),
        }
        self.next_subscriber_id += 1
        return row


def _insert(connection: Connection, table: Any, rows: Sequence[Dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        connection.execute(
            table.insert(),
            [dict((k, v) for k, v in row.items() if not k.startswith("_")) for row in rows[start : start + _CHUNK]],
        )


def _already_seeded(engine: Engine) -> bool:
    if "accounts" not in inspect(engine).get_table_names():
        return False
    with engine.connect() as connection:
        return bool(connection.execute(select(func.count()).select_from(accounts)).scalar_one())


def seed_shop(
    engine: Engine,
    *,
    customers: int = DEFAULT_CUSTOMERS,
    orders_per_customer: int = DEFAULT_ORDERS_PER_CUSTOMER,
    heavy_orders: int = 0,
    seed: int = 20261203,
    reset: bool = False,
) -> SeedReport:
    """Create the shop's tables and fill them; a seeded shop is left alone unless ``reset``.

    ``orders_per_customer`` is the mean (each customer gets 0..2x of it).
    ``heavy_orders`` adds one more customer (:data:`HEAVY_ACCOUNT_ID`) with that many
    orders, for the fulfilment bench.
    """
    if reset:
        shop_metadata.drop_all(engine)
    elif _already_seeded(engine):
        return SeedReport(counts={}, skipped=True)
    shop_metadata.create_all(engine)
    rng = random.Random(seed)  # noqa: S311 - seeded on purpose: the demo shop is the same on every run; no secret comes from it
    gen = _Generator(rng)
    people = _demo_accounts() + list(_synthetic_accounts(rng, customers))
    if heavy_orders:
        people.append(
            {
                "id": HEAVY_ACCOUNT_ID,
                "email": "heavy.buyer@shop.example",
                "phone": "+12995550199",
                "full_name": "Heavy Buyer",
                "date_of_birth": date(1980, 1, 1),
                "created_at": _EPOCH,
                "loyalty_tier": "gold",
            }
        )
    rows: Dict[str, List[Dict[str, Any]]] = {
        name: [] for name in ("addresses", "orders", "marketing_preferences", "support_calls", "newsletter_subscribers")
    }
    for person in people:
        address = gen.address(person, person.get("_postal_code"))
        person["_line1"] = address["line1"]
        rows["addresses"].append(address)
        if person.get("_order_number"):
            rows["orders"].append(gen.order(person, person["_order_number"]))
        count = heavy_orders if person["id"] == HEAVY_ACCOUNT_ID else rng.randrange(0, 2 * orders_per_customer + 1)
        rows["orders"].extend(gen.order(person) for _ in range(count))
        rows["marketing_preferences"].append(gen.preferences(person))
        if person["phone"] and (person.get("_order_number") or rng.random() < 0.25):
            rows["support_calls"].append(gen.call(person))
        if person.get("_order_number") or rng.random() < 0.4:
            rows["newsletter_subscribers"].append(gen.subscriber(person["email"], person["created_at"]))
    # The newsletter also holds people who never opened an account.
    for i in range(max(customers // 10, 1)):
        rows["newsletter_subscribers"].append(gen.subscriber(f"reader.{i}@news.example", _EPOCH))
    with engine.begin() as connection:
        _insert(connection, accounts, people)
        for table in (addresses, orders, marketing_preferences, support_calls, newsletter_subscribers):
            _insert(connection, table, rows[table.name])
    counts = {"accounts": len(people)}
    counts.update({name: len(value) for name, value in rows.items()})
    return SeedReport(counts=counts)
