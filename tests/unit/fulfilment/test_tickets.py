"""Fulfilment for a ticket: identities from the verified ticket, plan and receipts as notes, no values in them."""

from __future__ import annotations

import pytest

from bot.fulfilment.tickets import NotFulfillable, TicketFulfilment
from bot.tickets import PersonalData, TicketService, Verification
from tests.unit.fulfilment.people import person

ADA = "ada.demo@example.com"


def ticket(tickets: TicketService, kind: str, *, verified: bool = True, key: str = "k1") -> str:
    created = tickets.create(
        kind=kind,
        channel="web",
        idempotency_key=key,
        personal=PersonalData(requester_name="Ada Demo", email=ADA, phone="+12025550100"),
        status="verified" if verified else "awaiting_verification",
        verification=Verification("email_code", "reasonable", ("email", "phone")) if verified else None,
    )
    return created.ticket.reference


@pytest.fixture
def desk(world):
    tickets = TicketService.from_settings(world.settings())
    service = world.service()
    try:
        yield TicketFulfilment(service, tickets), tickets
    finally:
        service.close()
        tickets.database.dispose()


def test_a_verified_deletion_ticket_is_planned_approved_and_erased_with_receipts_on_the_ticket(world, desk) -> None:
    link, tickets = desk
    who = person(world, ADA)
    reference = ticket(tickets, "deletion")
    plan = link.preview(reference, agent="agent:alice")
    assert plan.ticket_reference == reference and plan.status == "planned"
    done, package = link.approve_and_run(reference, plan.id, agent="agent:alice")
    assert package is None and {s.system: s.status for s in done.steps}["shop"] == "done"
    assert not [r for r in world.rows("accounts") if r["id"] == who.id]
    notes = [n.body for n in tickets.notes(reference)]
    assert any("Fulfilment plan" in n and "orders: " in n and "tax-records" in n for n in notes)
    assert any("Fulfilment run" in n and "shop: done" in n and "datamap.yml systems.shop" in n for n in notes)
    assert not [v for v in who.personal_values() if any(v in n for n in notes)]
    assert [r.id for r in link.runs(reference)] == [plan.id]
    assert any(e.action.value == "personal_data_revealed" for e in tickets.history(reference))


def test_an_access_ticket_yields_the_package(world, desk) -> None:
    link, tickets = desk
    reference = ticket(tickets, "access")
    plan = link.preview(reference, agent="agent:alice")
    _, package = link.approve_and_run(reference, plan.id, agent="agent:alice")
    assert package is not None and package.row_count > 1


def test_unverified_or_other_kinds_of_tickets_are_not_fulfilled(world, desk) -> None:
    link, tickets = desk
    with pytest.raises(NotFulfillable):
        link.preview(ticket(tickets, "deletion", verified=False, key="k2"), agent="agent:alice")
    with pytest.raises(NotFulfillable):
        link.preview(ticket(tickets, "correction", key="k3"), agent="agent:alice")


def test_a_run_cannot_be_approved_through_another_ticket(world, desk) -> None:
    link, tickets = desk
    plan = link.preview(ticket(tickets, "deletion"), agent="agent:alice")
    other = ticket(tickets, "stop_using", key="k4")
    with pytest.raises(NotFulfillable):
        link.approve_and_run(other, plan.id, agent="agent:alice")
    assert link.fulfilment.view(plan.id).status == "planned"
