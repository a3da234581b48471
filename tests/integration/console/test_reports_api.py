"""Search, dashboard and CCPA reports over HTTP: the API (auth, JSON and CSV, OpenAPI) and the console pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from bot.tickets import Kind, PersonalData, Status
from tests.integration.console.conftest import Console

PERIOD = "start=2026-01-01&end=2026-12-31"


def _seed(console: Console) -> dict:
    tickets = console.services.tickets
    done = console.ticket(kind=Kind.DELETION, personal=PersonalData(email="dee@example.com"))
    tickets.transition(done.reference, Status.IN_PROGRESS, actor="agent:alice")
    tickets.transition(done.reference, Status.COMPLETED, actor="agent:alice", reason_code="partially_fulfilled")
    denied = console.ticket(kind=Kind.ACCESS)
    tickets.transition(denied.reference, Status.REJECTED, actor="agent:alice", reason_code="identity_not_verified")
    late = console.ticket(kind=Kind.CORRECTION, received_at=console.clock() - timedelta(days=60))
    return {"done": done, "denied": denied, "late": late}


def test_reports_need_a_token_and_the_ccpa_reports_need_an_admin(console: Console) -> None:
    client = console.client()
    for path in (
        "/api/v1/search?q=PD-0000-0000",
        "/api/v1/reports/dashboard",
        "/api/v1/reports/ccpa-7102",
        "/api/v1/reports/ccpa-7101",
    ):
        assert client.get(path).status_code == 401
    agent = console.token("alice")
    assert client.get("/api/v1/reports/dashboard", headers=agent).status_code == 200
    assert client.get("/api/v1/reports/ccpa-7102", headers=agent).status_code == 403
    assert client.get("/api/v1/reports/ccpa-7101", headers=agent).status_code == 403


def test_7102_comes_as_json_with_the_text_to_publish_and_as_csv_with_the_same_numbers(console: Console) -> None:
    _seed(console)
    client, admin = console.client(), console.token("root")
    body = client.get(f"/api/v1/reports/ccpa-7102?{PERIOD}", headers=admin).json()
    rows = {row["category"]: row for row in body["categories"]}
    assert rows["delete"]["complied_in_part"] == 1 and rows["know"]["denied"] == 1 and rows["correct"]["pending"] == 1
    assert "Requests to delete: we received 1" in body["text"]
    response = client.get(f"/api/v1/reports/ccpa-7102?{PERIOD}&format=csv", headers=admin)
    assert response.headers["content-type"].startswith("text/csv")
    table = {row["category"]: row for row in csv.DictReader(io.StringIO(response.text))}
    for name, row in rows.items():
        assert int(table[name]["received"]) == row["received"]
        assert int(table[name]["denied"]) == row["denied"]


def test_7101_records_csv_has_one_row_per_request_and_no_contact_details(console: Console) -> None:
    seeded = _seed(console)
    client, admin = console.client(), console.token("root")
    response = client.get(f"/api/v1/reports/ccpa-7101?{PERIOD}", headers=admin)
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    records = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["reference"] for r in records) == sorted(t.reference for t in seeded.values())
    assert "example.com" not in response.text and "Ada" not in response.text and "+1" not in response.text
    denied = next(r for r in records if r["reference"] == seeded["denied"].reference)
    assert denied["response"] == "denied" and denied["denial_basis"] == "identity_not_verified"
    as_json = client.get(f"/api/v1/reports/ccpa-7101?{PERIOD}&format=json", headers=admin).json()
    assert len(as_json["items"]) == len(records)


def test_bad_periods_and_formats_are_422_naming_the_parameter(console: Console) -> None:
    client, admin = console.client(), console.token("root")
    for query, field in (
        ("start=2026-02-01&end=2026-01-01", "end"),
        ("start=01/02/2026", "start"),
        ("format=xml", "format"),
        ("start=2020-01-01&end=2026-01-01", "period"),
    ):
        response = client.get(f"/api/v1/reports/ccpa-7102?{query}", headers=admin)
        assert response.status_code == 422 and response.json()["field"] == field, query


def test_api_search_finds_by_email_and_pages_like_the_queue(console: Console) -> None:
    seeded = _seed(console)
    client, agent = console.client(), console.token("alice")
    body = client.get("/api/v1/search?q=DEE@example.com", headers=agent).json()
    assert [t["reference"] for t in body["items"]] == [seeded["done"].reference]
    assert set(body) >= {"items", "total", "next_cursor", "counts_by_status"}
    assert client.get("/api/v1/search", headers=agent).status_code == 422


def test_the_openapi_document_describes_search_and_reports_with_csv(console: Console) -> None:
    document = console.client().get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/search",
        "/api/v1/reports/dashboard",
        "/api/v1/reports/ccpa-7102",
        "/api/v1/reports/ccpa-7101",
    ):
        assert "get" in document["paths"][path]
    content = document["paths"]["/api/v1/reports/ccpa-7101"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}
    assert {"Dashboard", "Ccpa7102", "Ccpa7101"} <= set(document["components"]["schemas"])


def test_console_dashboard_and_search_pages_for_agents_and_reports_for_admins(console: Console) -> None:
    seeded = _seed(console)
    agent = console.login("alice")
    page = agent.get("/console/dashboard")
    assert page.status_code == 200 and 'role="img"' in page.text and 'id="table-weeks"' in page.text
    found = agent.get("/console/search", params={"q": seeded["late"].reference.lower()})
    assert found.status_code == 200 and seeded["late"].reference in found.text
    assert agent.get("/console/search", params={"q": "not a thing"}).status_code == 422
    assert agent.get("/console/reports").status_code == 403
    admin = console.login("root")
    report = admin.get(f"/console/reports?{PERIOD}")
    assert report.status_code == 200 and "Requests to delete" in report.text
    download = admin.get(f"/console/reports/ccpa-7101.csv?{PERIOD}")
    assert download.headers["content-type"].startswith("text/csv") and seeded["late"].reference in download.text


def test_the_queue_has_a_search_box_and_its_q_finds_the_ticket(console: Console) -> None:
    seeded = _seed(console)
    client = console.login("alice")
    queue = client.get("/console/queue")
    assert 'role="search"' in queue.text and 'name="q"' in queue.text
    redirected = client.get("/console/queue", params={"q": seeded["denied"].reference.lower(), "kind": "access"})
    assert redirected.status_code == 303 and redirected.headers["location"].startswith("/console/search?")
    found = client.get(redirected.headers["location"])
    assert seeded["denied"].reference in found.text  # closed tickets are found too
