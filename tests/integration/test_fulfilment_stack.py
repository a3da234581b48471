"""End to end over the running stack: a deletion request filed in chat, verified with a code, previewed
and approved by an agent in the console (HTTP), and the shop no longer holds the requester's data."""

from __future__ import annotations

import re
import time
import uuid
from typing import Iterator

import httpx
import pytest
from sqlalchemy import bindparam, text

from bot.console import AccountService
from bot.fulfilment.shop import default_shop_url, seed_shop
from bot.fulfilment.sql import create_system_engine
from bot.storage.db import init_db
from bot.tickets import Kind, TicketService
from tests.integration.requests.test_request_conversations import latest_code, store  # noqa: F401 - fixture
from tests.integration.stack import Stack
from tests.unit.console.support import PASSWORD, fast_hasher

pytestmark = pytest.mark.stack

_REFERENCE = re.compile(r"\bPD-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BRUNO = "bruno.demo@example.com"


@pytest.fixture(scope="module")
def shop(stack: Stack) -> Iterator[object]:
    engine = create_system_engine(default_shop_url(stack.var_dir))
    seed_shop(engine, customers=200, orders_per_customer=3, reset=True)
    try:
        yield engine
    finally:
        engine.dispose()


def _rows(shop, sql: str, **params) -> list:
    statement = text(sql)
    if "nums" in params:
        statement = statement.bindparams(bindparam("nums", expanding=True))
    with shop.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(statement, params)]


def _agent(stack: Stack) -> httpx.Client:
    database = init_db(stack.settings)
    try:
        AccountService(database, hasher=fast_hasher()).create_agent(f"ful{uuid.uuid4().hex[:6]}", PASSWORD)
        name = [a.username for a in AccountService(database).list_agents()][-1]
    finally:
        database.dispose()
    client = httpx.Client(base_url=stack.web_url, timeout=60, follow_redirects=False)
    page = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={
            "username": name,
            "password": PASSWORD,
            "csrf_token": _CSRF.search(page.text).group(1),
            "next": "/console/queue",
        },
    )
    assert answer.status_code == 303, answer.text[:500]
    return client


def _post(client: httpx.Client, page_path: str, action_path: str, **data) -> httpx.Response:
    token = _CSRF.search(client.get(page_path).text).group(1)
    return client.post(action_path, data={"csrf_token": token, **{k: str(v) for k, v in data.items()}})


def _claim(client: httpx.Client, ticket_page: str) -> httpx.Response:
    """Claim as an agent does: with the version the ticket page shows, reloading on a conflict.

    The notice sender works on a just-filed ticket in the background, so the version on a page
    can be overtaken; the console answers 409 and the agent reloads and claims again.
    """
    for _ in range(3):
        page = client.get(ticket_page).text
        token = _CSRF.search(page).group(1)
        version = re.search(r'name="expected_version" value="(\d+)"', page).group(1)
        reply = client.post(f"{ticket_page}/claim", data={"csrf_token": token, "expected_version": version})
        if reply.status_code != 409:
            return reply
        time.sleep(0.5)
    return reply


def test_deletion_filed_in_chat_is_erased_from_the_shop_after_the_agent_approves(
    stack: Stack,
    store: TicketService,  # noqa: F811 - the shared fixture
    shop,
) -> None:
    account = _rows(shop, "SELECT id FROM accounts WHERE email = :e", e=BRUNO)[0]["id"]
    orders_before = _rows(shop, "SELECT order_number, total_cents FROM orders WHERE account_id = :a", a=account)
    sender = f"e2e-ful-{uuid.uuid4().hex[:8]}"
    for message in (
        "I want to delete my personal data",
        "Bruno Démo",
        BRUNO,
        "skip",
        "03/04/1990",
        "4 March 1990",
        "94105",
        "yes",
    ):
        stack.texts(sender, message)
    confirmation = stack.texts(sender, latest_code(stack, BRUNO))
    reference = _REFERENCE.search(confirmation).group(0)
    ticket = store.get_by_reference(reference)
    assert ticket.kind is Kind.DELETION and ticket.verified_at is not None

    agent = _agent(stack)
    ticket_page = f"/console/tickets/{reference}"
    assert _claim(agent, ticket_page).status_code == 303
    page = f"{ticket_page}/fulfilment"
    assert _post(agent, page, f"{page}/preview").status_code == 303
    preview = agent.get(page).text
    assert "tax-records" in preview and BRUNO not in preview
    run_id = re.search(r'name="run_id" value="([0-9a-f]{32})"', preview).group(1)
    assert _post(agent, page, f"{page}/approve", run_id=run_id).status_code == 303

    assert _rows(shop, "SELECT id FROM accounts WHERE id = :a OR email = :e", a=account, e=BRUNO) == []
    assert _rows(shop, "SELECT email FROM newsletter_subscribers WHERE email = :e", e=BRUNO) == []
    kept = _rows(
        shop,
        "SELECT order_number, total_cents, account_id, shipping_name, payment_token FROM orders WHERE order_number IN :nums",
        nums=[o["order_number"] for o in orders_before],
    )
    assert sorted((o["order_number"], o["total_cents"]) for o in kept) == sorted(
        (o["order_number"], o["total_cents"]) for o in orders_before
    )
    assert all(o["account_id"] is None and o["shipping_name"] is None and o["payment_token"] is None for o in kept)
    notes = [n.body for n in store.notes(reference)]
    assert any("Fulfilment run" in n and "shop: done" in n for n in notes)
    assert not any(BRUNO in n or "Bruno" in n for n in notes)


ADA = "ada.demo@example.com"
# What Ada answers to each question of the access form (matched on the question's words).
ANSWERS = (
    ("categories of personal information", "a copy of specific pieces"),
    ("Which pieces", "my order history and my contact details"),
    ("full name", "Ada Demo"),
    ("e-mail address", ADA),
    ("phone number", "skip"),
    ("date of birth", "10 December 1985"),
    ("postal code", "10022"),
    ("declar", "I declare this is true"),
)


def _file_access_request(stack: Stack) -> str:
    sender = f"e2e-ful-{uuid.uuid4().hex[:8]}"
    reply = stack.texts(sender, "I want a copy of my data")
    for _ in range(16):
        found = _REFERENCE.search(reply)
        if found:
            return found.group(0)
        if "6-digit code" in reply:
            answer = latest_code(stack, ADA)
        else:
            answer = next((a for cue, a in ANSWERS if cue in reply), "yes")  # a summary to confirm
        reply = stack.texts(sender, answer)
    raise AssertionError(f"no reference after the access form; last reply: {reply[:300]}")


def test_access_filed_in_chat_yields_a_package_with_exactly_that_customers_rows(
    stack: Stack,
    store: TicketService,  # noqa: F811 - the shared fixture
    shop,
) -> None:
    account = _rows(shop, "SELECT id FROM accounts WHERE email = :e", e=ADA)[0]["id"]
    orders = {
        o["order_number"] for o in _rows(shop, "SELECT order_number FROM orders WHERE account_id = :a", a=account)
    }
    reference = _file_access_request(stack)
    ticket = store.get_by_reference(reference)
    assert ticket.kind is Kind.ACCESS and ticket.verified_at is not None

    agent = _agent(stack)
    ticket_page = f"/console/tickets/{reference}"
    assert _claim(agent, ticket_page).status_code == 303
    page = f"{ticket_page}/fulfilment"
    _post(agent, page, f"{page}/preview")
    run_id = re.search(r'name="run_id" value="([0-9a-f]{32})"', agent.get(page).text).group(1)
    assert _post(agent, page, f"{page}/approve", run_id=run_id).status_code == 303
    download = _post(agent, page, f"{page}/package", run_id=run_id, format="json")
    assert download.status_code == 200
    systems = {s["system"]: s["tables"] for s in download.json()["systems"]["systems"]}
    assert [a["id"] for a in systems["shop"]["accounts"]] == [account]
    assert {o["order_number"] for o in systems["shop"]["orders"]} == orders
    assert all(o["account_id"] == account for o in systems["shop"]["orders"])
    assert [n["email"] for n in systems["marketing"]["newsletter_subscribers"]] == [ADA]
    calls = systems["support"]["support_calls"]
    assert calls and all(c["account_id"] == account or c["caller_phone"] == "+12025550100" for c in calls)
