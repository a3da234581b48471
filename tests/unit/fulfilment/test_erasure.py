"""Erasure and stop-using: the plan says what happens; execution does exactly that, once."""

from __future__ import annotations

from bot.fulfilment import Purpose
from tests.unit.fulfilment.people import others, person

ADA = "ada.demo@example.com"
LEGAL_HOLD = ("order_number", "placed_at", "total_cents", "tax_cents", "currency")
ERASED_ORDER_FIELDS = ("account_id", "shipping_name", "shipping_address", "payment_token", "card_last4")


def run(world, purpose, **given):
    service = world.service()
    try:
        view = service.plan(purpose, given)
        service.approve(view.id, "agent-1")
        return view, service.execute(view.id)[0]
    finally:
        service.close()


def test_the_erasure_plan_shows_rows_affected_and_what_is_kept_and_why(world) -> None:
    who = person(world, ADA)
    plan, _ = run(world, Purpose.ERASURE, email=ADA)
    orders = next(t for t in plan.plan["systems"]["shop"]["tables"] if t["table"] == "orders")
    assert orders["rows"] == len(who.orders) and orders["action"] == "fields"
    assert dict(orders["kept_fields"]) == {field: "tax-records" for field in LEGAL_HOLD}
    assert dict(orders["changed_fields"])["payment_token"] == "nullify"
    assert "7 years" in plan.plan["legal_reasons"]["tax-records"]
    accounts = next(t for t in plan.plan["systems"]["shop"]["tables"] if t["table"] == "accounts")
    assert (accounts["rows"], accounts["action"]) == (1, "delete_row")


def test_erasure_keeps_orders_with_only_the_legal_hold_fields_and_no_personal_value(world) -> None:
    who = person(world, ADA)
    untouched = others(world, who)
    _, done = run(world, Purpose.ERASURE, email=ADA)

    assert {s.system: s.status for s in done.steps} == {
        "shop": "done",
        "marketing": "done",
        "support": "done",
        "returns_binder": "waiting",
    }
    orders = {o["order_number"]: o for o in world.rows("orders")}
    for before in who.orders:
        after = orders[before["order_number"]]
        assert all(str(after[f]) == str(before[f]) for f in LEGAL_HOLD)
        assert all(after[f] is None for f in ERASED_ORDER_FIELDS)
    assert not [r for r in world.rows("accounts") if r["id"] == who.id]
    assert not [r for r in world.rows("addresses") if r["account_id"] == who.id]
    assert not [r for r in world.rows("marketing_preferences") if r["account_id"] == who.id]
    calls = {c["id"]: c for c in world.rows("support_calls")}
    for before in who.calls:
        assert calls[before["id"]]["caller_phone"] == "[erased]" and calls[before["id"]]["agent_notes"] is None
        assert str(calls[before["id"]]["called_at"]) == str(before["called_at"])
    everything = " ".join(str(v) for rows in world.snapshot().values() for row in rows for v in row)
    assert not [value for value in who.personal_values() if value in everything]
    assert others(world, who) == untouched


def test_receipts_count_what_each_system_changed(world) -> None:
    who = person(world, ADA)
    _, done = run(world, Purpose.ERASURE, email=ADA)
    shop = next(s for s in done.steps if s.system == "shop").receipt
    assert {t.table: t.changed for t in shop.tables} == {
        "orders": len(who.orders),
        "addresses": len(who.addresses),
        "accounts": 1,
    }
    assert shop.rule.startswith("datamap.yml systems.shop (line ") and shop.at


def test_a_second_erasure_of_the_same_person_changes_nothing(world) -> None:
    run(world, Purpose.ERASURE, email=ADA)
    snapshot = world.snapshot()
    _, again = run(world, Purpose.ERASURE, email=ADA)
    assert all(s.receipt.changed in (0, None) for s in again.steps)
    assert world.snapshot() == snapshot


def test_stop_using_turns_marketing_off_and_leaves_the_account(world) -> None:
    who = person(world, ADA)
    _, done = run(world, Purpose.STOP_USING, email=ADA)
    prefs = [r for r in world.rows("marketing_preferences") if r["account_id"] == who.id]
    assert prefs and not any(prefs[0][f] for f in ("email_opt_in", "sms_opt_in", "profiling_opt_in"))
    assert not [r for r in world.rows("newsletter_subscribers") if r["email"] == ADA]
    assert [r["id"] for r in world.rows("accounts") if r["id"] == who.id] == [who.id]
    assert len([o for o in world.rows("orders") if o["account_id"] == who.id]) == len(who.orders)
    assert next(s for s in done.steps if s.system == "shop").receipt.changed == 0


def test_a_manual_system_is_done_when_an_agent_ticks_it(world) -> None:
    service = world.service()
    try:
        view = service.plan(Purpose.ERASURE, {"email": [ADA]})
        service.approve(view.id, "agent-1")
        assert service.execute(view.id)[0].status == "partial"
        ticked = service.complete_manual(view.id, "returns_binder", "agent-2")
        assert ticked.status == "done"
        assert "ticked by agent-2" in next(s for s in ticked.steps if s.system == "returns_binder").receipt.rule
    finally:
        service.close()
