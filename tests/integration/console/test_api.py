"""The JSON API end to end: the console's operations with Bearer tokens; every answer checked against the OpenAPI document."""

from __future__ import annotations

from typing import Any, Dict

import pytest
import schemathesis

from bot.tickets import Status
from bot.webapp.openapi import openapi_document
from tests.integration.console.conftest import Console


@pytest.fixture
def api(console: Console):
    schema = schemathesis.openapi.from_dict(openapi_document())
    client = console.client()

    def call(method: str, path: str, template: str, headers: Dict[str, str], **kwargs: Any):
        response = client.request(method, path, headers=headers, **kwargs)
        schema[template][method].validate_response(response)
        return response

    return call


def test_openapi_document_is_valid_openapi_3(console: Console) -> None:
    response = console.client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(document)  # parses and resolves every reference
    assert {"/api/v1/tickets", "/api/v1/tickets/{reference}/claim", "/api/v1/agents"} <= set(document["paths"])


def test_agent_works_a_case_through_the_api(api, console: Console) -> None:
    ticket = console.ticket()
    alice = console.token("alice")
    ref = ticket.reference
    t = "/api/v1/tickets/{reference}"
    listing = api("GET", "/api/v1/tickets?assigned=unassigned", "/api/v1/tickets", alice).json()
    assert [i["reference"] for i in listing["items"]] == [ref] and listing["counts_by_status"]["verified"] == 1
    claimed = api(
        "POST", f"/api/v1/tickets/{ref}/claim", t + "/claim", alice, json={"expected_version": ticket.version}
    ).json()
    assert claimed["assignee"] == "agent:alice"
    note = api("POST", f"/api/v1/tickets/{ref}/notes", t + "/notes", alice, json={"body": "Looked it up"})
    assert note.status_code == 201 and note.json()["kind"] == "internal"
    moved = api(
        "POST",
        f"/api/v1/tickets/{ref}/transition",
        t + "/transition",
        alice,
        json={"to": "in_progress", "expected_version": claimed["version"]},
    ).json()
    reply = api(
        "POST",
        f"/api/v1/tickets/{ref}/reply",
        t + "/reply",
        alice,
        json={"message": "Your data is on its way.", "expected_version": moved["version"]},
    ).json()
    assert reply["channel"] == "sms" and reply["delivery"]["status"] == "outbox"
    extended = api(
        "POST",
        f"/api/v1/tickets/{ref}/extend",
        t + "/extend",
        alice,
        json={"reason": "Large account", "expected_version": reply["ticket"]["version"]},
    ).json()
    assert extended["extension_count"] == 1
    revealed = api(
        "POST", f"/api/v1/tickets/{ref}/reveal", t + "/reveal", alice, json={"reason": "fulfil_request"}
    ).json()
    assert revealed["personal_data"]["email"] == "ada@example.com"
    package = api("POST", f"/api/v1/tickets/{ref}/export", t + "/export", alice).json()
    assert package["request"]["reference"] == ref
    done = api(
        "POST",
        f"/api/v1/tickets/{ref}/complete",
        t + "/complete",
        alice,
        json={"outcome": "fulfilled", "expected_version": extended["version"]},
    ).json()
    assert done["status"] == "completed" and done["is_open"] is False
    detail = api("GET", f"/api/v1/tickets/{ref}", t, alice).json()
    assert [n["kind"] for n in detail["notes"]] == ["internal", "reply"]
    assert "ada@example.com" not in str(detail)
    history = api("GET", f"/api/v1/tickets/{ref}/history", t + "/history", alice).json()
    reveals = [e["actor"] for e in history["items"] if e["action"] == "personal_data_revealed"]
    # The reply's contact lookup and the reveal by alice; the extension and completion notices by the system.
    assert sorted(reveals) == ["agent:alice", "agent:alice", "system:notices", "system:notices"]


def test_api_claim_race_loser_learns_the_holder(api, console: Console) -> None:
    ticket = console.ticket()
    path = f"/api/v1/tickets/{ticket.reference}/claim"
    assert api("POST", path, "/api/v1/tickets/{reference}/claim", console.token("alice")).status_code == 200
    lost = api("POST", path, "/api/v1/tickets/{reference}/claim", console.token("bob"))
    assert lost.status_code == 409 and lost.json() == {
        "error": "already_claimed",
        "message": "ticket is already claimed by agent:alice",
        "holder": "agent:alice",
    }


def test_api_stale_version_is_a_conflict_and_writes_nothing(api, console: Console) -> None:
    ticket = console.ticket()
    alice = console.token("alice")
    claimed = console.services.tickets.claim(ticket.reference, agent="agent:alice")
    response = api(
        "POST",
        f"/api/v1/tickets/{ticket.reference}/transition",
        "/api/v1/tickets/{reference}/transition",
        alice,
        json={"to": "in_progress", "expected_version": ticket.version},
    )
    assert response.status_code == 409
    assert response.json()["error"] == "version_conflict" and response.json()["current_version"] == claimed.version
    assert console.services.tickets.get_by_reference(ticket.reference).status is Status.VERIFIED


@pytest.mark.parametrize(
    "body,status,error",
    [
        ({"body": "n" * 10_001}, 422, "too_long"),
        ({"body": ""}, 422, "invalid_field"),
        ({"body": 42}, 422, "invalid_field"),
        ({}, 422, "invalid_field"),
    ],
)
def test_api_bad_notes_are_refused_and_nothing_is_written(api, console: Console, body, status, error) -> None:
    ticket = console.ticket()
    response = api(
        "POST",
        f"/api/v1/tickets/{ticket.reference}/notes",
        "/api/v1/tickets/{reference}/notes",
        console.token("alice"),
        json=body,
    )
    assert response.status_code == status and response.json()["error"] == error
    assert console.services.tickets.notes(ticket.reference) == []


def test_api_errors_for_bad_bodies_unknown_tickets_and_invalid_transitions(api, console: Console) -> None:
    alice = console.token("alice")
    t = "/api/v1/tickets/{reference}"
    assert api("GET", "/api/v1/tickets/PD-ZZZZ-ZZZZ", t, alice).json()["error"] == "not_found"
    ticket = console.ticket()
    bad = api(
        "POST",
        f"/api/v1/tickets/{ticket.reference}/notes",
        t + "/notes",
        alice,
        content=b"{not json",
    )
    assert bad.status_code == 400
    huge = api(
        "POST",
        f"/api/v1/tickets/{ticket.reference}/notes",
        t + "/notes",
        alice,
        content=b'{"body": "' + b"a" * 300_000 + b'"}',
    )
    assert huge.status_code == 413
    claimed = console.services.tickets.claim(ticket.reference, agent="agent:alice")
    invalid = api(
        "POST",
        f"/api/v1/tickets/{ticket.reference}/complete",
        t + "/complete",
        alice,
        json={"outcome": "fulfilled", "expected_version": claimed.version},
    )
    assert invalid.status_code == 409 and invalid.json()["error"] == "invalid_transition"
    assert console.client().put("/api/v1/me", headers=alice).status_code == 405


def test_admin_manages_agents_through_the_api(api, console: Console) -> None:
    root = console.token("root")
    created = api(
        "POST",
        "/api/v1/agents",
        "/api/v1/agents",
        root,
        json={"username": "carol", "password": "a long enough password", "role": "agent"},
    )
    assert created.status_code == 201 and created.json()["role"] == "agent"
    duplicate = api(
        "POST",
        "/api/v1/agents",
        "/api/v1/agents",
        root,
        json={"username": "carol", "password": "a long enough password"},
    )
    assert duplicate.status_code == 409
    carol = console.token("carol")
    assert console.client().get("/api/v1/me", headers=carol).status_code == 200
    disabled = api("POST", "/api/v1/agents/carol/disable", "/api/v1/agents/{username}/disable", root)
    assert disabled.json()["disabled"] is True
    assert console.client().get("/api/v1/me", headers=carol).status_code == 401
    own = api("POST", "/api/v1/agents/root/disable", "/api/v1/agents/{username}/disable", root)
    assert own.status_code == 422
    events = api("GET", "/api/v1/account-events", "/api/v1/account-events", root).json()
    assert "agent_disabled" in [e["action"] for e in events["items"]]
    agents = api("GET", "/api/v1/agents", "/api/v1/agents", root).json()["items"]
    assert {a["username"] for a in agents} == {"alice", "bob", "root", "carol"}
    outbox = api("GET", "/api/v1/outbox", "/api/v1/outbox", root)
    assert outbox.status_code == 200 and outbox.json() == {"items": []}


def test_admin_reassigns_and_reads_the_audit_trail_through_the_api(api, console: Console) -> None:
    ticket = console.ticket()
    root = console.token("root")
    held = console.services.tickets.claim(ticket.reference, agent="agent:alice")
    path = f"/api/v1/tickets/{ticket.reference}/reassign"
    moved = api(
        "POST", path, "/api/v1/tickets/{reference}/reassign", root, json={"to": "bob", "expected_version": held.version}
    )
    assert moved.status_code == 200 and moved.json()["assignee"] == "agent:bob"
    back = api(
        "POST",
        path,
        "/api/v1/tickets/{reference}/reassign",
        root,
        json={"to": None, "expected_version": moved.json()["version"]},
    )
    assert back.json()["assignee"] is None
    ghost = api(
        "POST",
        path,
        "/api/v1/tickets/{reference}/reassign",
        root,
        json={"to": "ghost", "expected_version": back.json()["version"]},
    )
    assert ghost.status_code == 404
    trail = api("GET", "/api/v1/audit-events?limit=2", "/api/v1/audit-events", root).json()
    assert [e["reason_code"] for e in trail["items"]] == ["reassigned", "reassigned"] and trail["next_before_id"]
    older = api("GET", f"/api/v1/audit-events?before_id={trail['next_before_id']}", "/api/v1/audit-events", root).json()
    assert all(e["id"] < trail["next_before_id"] for e in older["items"])
