"""What the shop holds about one customer, read directly (the tests' ground truth)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Set

from tests.unit.fulfilment.support import World


@dataclass
class Person:
    account: Dict[str, Any]
    addresses: List[Dict[str, Any]]
    orders: List[Dict[str, Any]]
    preferences: List[Dict[str, Any]]
    newsletter: List[Dict[str, Any]]
    calls: List[Dict[str, Any]]

    @property
    def id(self) -> str:
        return self.account["id"]

    def personal_values(self) -> Set[str]:
        """Every identifying value the shop holds about this person (the canary set)."""
        values = {self.account["email"], self.account["full_name"]}
        if self.account["phone"]:
            values.add(self.account["phone"])
        values |= {a["line1"] for a in self.addresses}
        for order in self.orders:
            values |= {order["shipping_address"], order["payment_token"]}
        values |= {c["recording_ref"] for c in self.calls}
        return {v for v in values if v}


def person(world: World, email: str) -> Person:
    account = next(row for row in world.rows("accounts") if row["email"] == email)
    return Person(
        account=account,
        addresses=[r for r in world.rows("addresses") if r["account_id"] == account["id"]],
        orders=[r for r in world.rows("orders") if r["account_id"] == account["id"]],
        preferences=[r for r in world.rows("marketing_preferences") if r["account_id"] == account["id"]],
        newsletter=[r for r in world.rows("newsletter_subscribers") if r["email"] == email],
        calls=[
            r
            for r in world.rows("support_calls")
            if r["account_id"] == account["id"] or (account["phone"] and r["caller_phone"] == account["phone"])
        ],
    )


def others(world: World, who: Person) -> Dict[str, List[tuple]]:
    """Every shop row that is not this person's, sorted: must be untouched by their request."""
    mine_orders = {o["order_number"] for o in who.orders}
    mine_calls = {c["id"] for c in who.calls}
    keep = {
        "accounts": lambda r: r["id"] != who.id,
        "addresses": lambda r: r["account_id"] != who.id,
        "orders": lambda r: r["order_number"] not in mine_orders,
        "marketing_preferences": lambda r: r["account_id"] != who.id,
        "newsletter_subscribers": lambda r: r["email"] != who.account["email"],
        "support_calls": lambda r: r["id"] not in mine_calls,
    }
    return {
        table: sorted(tuple(str(v) for v in r.values()) for r in world.rows(table) if test(r))
        for table, test in keep.items()
    }
