"""Access: the package holds exactly the requester's rows from every system, and nobody else's."""

from __future__ import annotations

import json

import pytest

from bot.fulfilment import AmbiguousPerson, Purpose
from bot.fulfilment.models import FulfilmentRun
from tests.unit.fulfilment.people import person


def run_access(world, **given):
    service = world.service()
    try:
        view = service.plan(Purpose.ACCESS, given)
        service.approve(view.id, "agent-1")
        return service.execute(view.id)
    finally:
        service.close()


@pytest.mark.parametrize("account_id", ["acct-demo-ada", "acct-000017"])
def test_access_package_holds_exactly_that_customers_rows_from_every_system(world, account_id) -> None:
    email = next(r["email"] for r in world.rows("accounts") if r["id"] == account_id)
    who = person(world, email)
    view, package = run_access(world, email=email.upper())
    document = json.loads(package.json_bytes)
    tables = {(s["system"], t): r for s in document["systems"] for t, r in s["tables"].items()}

    assert [r["id"] for r in tables[("shop", "accounts")]] == [who.id]
    assert sorted(o["order_number"] for o in tables[("shop", "orders")]) == sorted(
        o["order_number"] for o in who.orders
    )
    assert all(o["account_id"] == who.id for o in tables[("shop", "orders")])
    assert sorted(a["id"] for a in tables[("shop", "addresses")]) == sorted(a["id"] for a in who.addresses)
    assert [p["account_id"] for p in tables[("marketing", "marketing_preferences")]] == [
        p["account_id"] for p in who.preferences
    ]
    assert [n["email"] for n in tables[("marketing", "newsletter_subscribers")]] == [n["email"] for n in who.newsletter]
    assert sorted(c["id"] for c in tables[("support", "support_calls")]) == sorted(c["id"] for c in who.calls)
    assert package.row_count == 1 + len(who.orders) + len(who.addresses) + len(who.preferences) + len(
        who.newsletter
    ) + len(who.calls)
    assert {s.system: s.status for s in view.steps} == {
        "shop": "done",
        "marketing": "done",
        "support": "done",
        "returns_binder": "waiting",
    }
    assert who.account["full_name"] in package.html and "returns binder" in package.html.lower()


def test_access_found_by_phone_alone_reaches_the_same_account(world) -> None:
    who = person(world, "bruno.demo@example.com")
    _, package = run_access(world, phone="(202) 555-0101")
    document = json.loads(package.json_bytes)
    accounts = next(s for s in document["systems"] if s["system"] == "shop")["tables"]["accounts"]
    assert [a["id"] for a in accounts] == [who.id]


def test_an_email_and_a_phone_of_two_different_people_stop_before_anything_is_read(world) -> None:
    service = world.service()
    try:
        with pytest.raises(AmbiguousPerson) as caught:
            service.plan(Purpose.ACCESS, {"email": ["ada.demo@example.com"], "phone": ["+12025550101"]})
        assert "ada" not in str(caught.value) and "555" not in str(caught.value)
        with service.database.read() as session:
            assert session.query(FulfilmentRun).count() == 0
    finally:
        service.close()


def test_the_html_page_escapes_values_from_the_company_systems(world) -> None:
    from sqlalchemy import text

    with world.shop.begin() as connection:
        connection.execute(
            text("UPDATE accounts SET full_name = :name WHERE id = 'acct-demo-ada'"),
            {"name": "<script>alert(1)</script>"},
        )
    _, package = run_access(world, email="ada.demo@example.com")
    assert "<script>alert(1)</script>" not in package.html and "&lt;script&gt;" in package.html
