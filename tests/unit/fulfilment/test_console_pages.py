"""The console's fulfilment page: preview, approve, receipts, resume, tick, package — for the holder of the ticket only."""

from __future__ import annotations

import json
import re
from typing import Iterator

import pytest

from bot.console import ROLE_AGENT
from bot.fulfilment.tickets import TicketFulfilment
from bot.settings import settings_from_environ
from bot.tickets import Kind, PersonalData
from bot.webapp.app import create_app
from bot.webapp.auth import build_services
from tests.integration.console.conftest import Console, csrf_of
from tests.unit.console.support import PASSWORD, FakeClock, fast_hasher
from tests.unit.fulfilment.people import person

ADA = "ada.demo@example.com"


@pytest.fixture
def console(sqlite_world) -> Iterator[Console]:
    settings = settings_from_environ(sqlite_world.environ)
    clock = FakeClock()
    services = build_services(settings, clock=clock, hasher=fast_hasher())
    app = create_app(settings)
    app.state.console_services = services
    service = sqlite_world.service()
    app.state.ticket_fulfilment = TicketFulfilment(service, services.tickets)
    for name in ("alice", "bob"):
        services.accounts.create_agent(name, PASSWORD, role=ROLE_AGENT)
    try:
        yield Console(settings=settings, services=services, app=app, clock=clock)
    finally:
        service.close()
        services.tickets.database.dispose()


def held_ticket(console: Console, kind: Kind, agent: str = "alice"):
    view = console.ticket(kind=kind, personal=PersonalData(requester_name="Ada Demo", email=ADA, phone="+12025550100"))
    console.services.tickets.claim(view.reference, agent=f"agent:{agent}")
    return view.reference


def post(client, reference: str, what: str, **data):
    token = csrf_of(client.get(f"/console/tickets/{reference}/fulfilment").text)
    return client.post(f"/console/tickets/{reference}/fulfilment/{what}", data={"csrf_token": token, **data})


def run_id_of(html: str) -> str:
    return re.search(r'name="run_id" value="([0-9a-f]{32})"', html).group(1)


def approved_run(client, reference: str) -> str:
    """Preview and approve through the page; the run's id."""
    post(client, reference, "preview")
    run_id = run_id_of(client.get(f"/console/tickets/{reference}/fulfilment").text)
    post(client, reference, "approve", run_id=run_id)
    return run_id


def test_the_holder_previews_approves_and_sees_each_systems_receipt(console, sqlite_world) -> None:
    who = person(sqlite_world, ADA)
    reference = held_ticket(console, Kind.DELETION)
    client = console.login("alice")
    assert post(client, reference, "preview").status_code == 303
    page = client.get(f"/console/tickets/{reference}/fulfilment").text
    assert "Approve and run" in page and "tax-records" in page and f'<td class="num">{len(who.orders)}</td>' in page
    assert ADA not in page and who.account["full_name"] not in page
    assert post(client, reference, "approve", run_id=run_id_of(page)).status_code == 303
    page = client.get(f"/console/tickets/{reference}/fulfilment").text
    assert re.search(r'data-system="shop">\s*<td>shop</td>\s*<td>done</td>', page)
    assert re.search(r'data-system="returns_binder">\s*<td>returns_binder</td>\s*<td>waiting</td>', page)
    assert not [r for r in sqlite_world.rows("accounts") if r["id"] == who.id]
    assert post(client, reference, "tick", run_id=run_id_of(page), system="returns_binder").status_code == 303
    assert '<span class="status run-status">done</span>' in client.get(f"/console/tickets/{reference}/fulfilment").text


def test_an_agent_not_holding_the_ticket_cannot_preview_or_approve(console) -> None:
    reference = held_ticket(console, Kind.DELETION, agent="bob")
    client = console.login("alice")
    response = post(client, reference, "preview")
    assert response.status_code == 409 and "Claim the ticket" in response.text
    assert "Approve and run" not in client.get(f"/console/tickets/{reference}/fulfilment").text


def test_an_access_package_downloads_as_json_and_html_and_is_audited(console, sqlite_world) -> None:
    reference = held_ticket(console, Kind.ACCESS)
    client = console.login("alice")
    run_id = approved_run(client, reference)
    response = post(client, reference, "package", run_id=run_id, format="json")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    systems = json.loads(response.text)["systems"]["systems"]
    assert [a["email"] for a in next(s for s in systems if s["system"] == "shop")["tables"]["accounts"]] == [ADA]
    html = post(client, reference, "package", run_id=run_id, format="html")
    assert html.status_code == 200 and "The personal data we hold about you" in html.text
    actions = [e.action.value for e in console.services.tickets.history(reference)]
    assert actions.count("exported") == 2


def test_a_correction_ticket_offers_no_fulfilment(console) -> None:
    reference = held_ticket(console, Kind.CORRECTION)
    client = console.login("alice")
    page = client.get(f"/console/tickets/{reference}/fulfilment")
    assert page.status_code == 200 and "not fulfilled in the company's systems" in page.text
    assert post(client, reference, "preview").status_code == 409


def test_the_ticket_page_links_to_fulfilment_for_verified_requests_it_can_carry_out(console) -> None:
    client = console.login("alice")
    deletion = held_ticket(console, Kind.DELETION)
    correction = held_ticket(console, Kind.CORRECTION)
    assert f'href="/console/tickets/{deletion}/fulfilment"' in client.get(f"/console/tickets/{deletion}").text
    assert "/fulfilment" not in client.get(f"/console/tickets/{correction}").text


def test_the_requester_downloads_the_sent_package_with_a_fresh_code_and_the_link_then_expires(
    console, sqlite_world
) -> None:
    reference = held_ticket(console, Kind.ACCESS)
    client = console.login("alice")
    run_id = approved_run(client, reference)
    assert post(client, reference, "send", run_id=run_id).status_code == 303
    outbox = console.services.outbox
    link = re.search(r"https?://\S+/your-data/(\S+) ", outbox.latest(to=ADA).body)
    token = link.group(1)
    assert any("sent to the requester by email" in n.body for n in console.services.tickets.notes(reference))

    requester = console.client()
    assert "Send me a code" in requester.get(f"/your-data/{token}").text
    code_page = requester.post(f"/your-data/{token}/code")
    challenge = re.search(r'name="challenge" value="([^"]+)"', code_page.text).group(1)
    code = re.search(r"\b(\d{6})\b", outbox.latest(to=ADA).body).group(1)
    wrong = requester.post(
        f"/your-data/{token}/download", data={"challenge": challenge, "code": "12345x", "format": "json"}
    )
    assert wrong.status_code == 403 and ADA not in wrong.text
    ok = requester.post(f"/your-data/{token}/download", data={"challenge": challenge, "code": code, "format": "json"})
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
    assert ADA in ok.text
    assert requester.get("/your-data/not-a-real-token").status_code == 410


def test_a_finished_erasure_tells_the_agent_to_complete_the_ticket(console) -> None:
    reference = held_ticket(console, Kind.DELETION)
    client = console.login("alice")
    run_id = approved_run(client, reference)
    post(client, reference, "tick", run_id=run_id, system="returns_binder")
    page = client.get(f"/console/tickets/{reference}/fulfilment").text
    assert "Every system is done" in page and "erases their conversations with the assistant" in page


def test_completing_tells_the_requester_what_was_deleted_and_what_the_law_keeps(console, sqlite_world) -> None:
    who = person(sqlite_world, ADA)
    reference = held_ticket(console, Kind.DELETION)
    client = console.login("alice")
    run_id = approved_run(client, reference)
    post(client, reference, "tick", run_id=run_id, system="returns_binder")
    assert post(client, reference, "complete", run_id=run_id).status_code == 303
    assert console.services.tickets.get_by_reference(reference).status.value == "completed"
    notice = console.services.outbox.latest(to="+12025550100").body  # the ticket was verified by SMS
    assert f"Your request {reference} is complete" in notice and "7 years for tax audits" in notice
    assert not [v for v in who.personal_values() if v in notice]
    history = console.services.tickets.history(reference)
    assert [e.reason_code for e in history if e.action.value == "transitioned"][-1] == "partially_fulfilled"
