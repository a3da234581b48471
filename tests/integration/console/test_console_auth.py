"""Console sign-in: cookies, fixation, logout, idle timeout, CSRF, lockout, every route guarded."""

from __future__ import annotations

import pytest
from starlette.routing import Route

from bot.console.account_types import hash_secret
from tests.integration.console.conftest import Console, csrf_of
from tests.unit.console.support import PASSWORD


def _session_cookie_header(response) -> str:
    return next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(("pd_console=", "__Host-pd_console="))
    )


def test_session_cookie_is_httponly_and_samesite_strict_over_http(console: Console) -> None:
    client = console.client()
    page = client.get("/console/login")
    response = client.post(
        "/console/login", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    header = _session_cookie_header(response).lower()
    assert response.status_code == 303
    assert "httponly" in header and "samesite=strict" in header and "path=/" in header
    assert "secure" not in header


def test_session_cookie_is_secure_with_host_prefix_over_https(console: Console) -> None:
    client = console.client(base_url="https://testserver")
    page = client.get("/console/login")
    response = client.post(
        "/console/login", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    header = _session_cookie_header(response)
    assert header.startswith("__Host-pd_console=")
    assert "secure" in header.lower()


def test_login_issues_a_new_session_id_so_a_planted_one_is_useless(console: Console) -> None:
    client = console.client()
    client.cookies.set("pd_console", "attacker-chosen-session-id-0123456789", domain="testserver.local")
    console.login("alice", client=client)
    issued = client.cookies.get("pd_console")
    assert issued and issued != "attacker-chosen-session-id-0123456789"
    assert console.services.accounts.session("attacker-chosen-session-id-0123456789") is None
    # Signing in again (e.g. on another tab) yields yet another id; both are server-side sessions.
    other = console.login("alice")
    assert other.cookies.get("pd_console") not in (issued, None)


def test_logout_invalidates_the_session_server_side(console: Console) -> None:
    client = console.login("alice")
    sid = client.cookies.get("pd_console")
    page = client.get("/console/queue")
    response = client.post("/console/logout", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    replay = console.client()
    replay.cookies.set("pd_console", sid, domain="testserver.local")
    assert replay.get("/console/queue").headers["location"].startswith("/console/login")


def test_thirty_idle_minutes_end_the_session(console: Console) -> None:
    client = console.login("alice")
    console.clock.advance(minutes=29)
    assert client.get("/console/queue").status_code == 200
    console.clock.advance(minutes=31)
    response = client.get("/console/queue")
    assert response.status_code == 303 and response.headers["location"].startswith("/console/login")


def test_state_changing_forms_without_the_sessions_csrf_token_are_refused(console: Console) -> None:
    ticket = console.ticket()
    alice = console.login("alice")
    bob = console.login("bob")
    bobs_token = csrf_of(bob.get("/console/queue").text)
    url = f"/console/tickets/{ticket.reference}/claim"
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": bobs_token}):
        response = alice.post(url, data={**data, "expected_version": str(ticket.version)})
        assert response.status_code == 403
        assert "did not come from the console" in response.text
    assert console.services.tickets.get_by_reference(ticket.reference).assignee is None


def test_login_form_needs_its_csrf_cookie(console: Console) -> None:
    client = console.client()
    response = client.post("/console/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "x"})
    assert response.status_code == 403
    assert "pd_console" not in client.cookies


def test_five_wrong_passwords_lock_the_login_for_fifteen_minutes(console: Console) -> None:
    client = console.client()
    for _ in range(5):
        page = client.get("/console/login")
        response = client.post(
            "/console/login",
            data={"username": "alice", "password": "not the password", "csrf_token": csrf_of(page.text)},
        )
        assert response.status_code == 401
        assert "Wrong username or password" in response.text
    page = client.get("/console/login")
    response = client.post(
        "/console/login", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.text
    console.clock.advance(minutes=16)
    console.login("alice", client=client)


def test_open_redirect_via_next_is_refused(console: Console) -> None:
    client = console.client()
    page = client.get("/console/login?next=//evil.example/x")
    response = client.post(
        "/console/login",
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "https://evil.example/",
        },
    )
    assert response.headers["location"] == "/console/queue"


def _concrete(path: str) -> str:
    return (
        path.replace("{reference}", "PD-AAAA-AAAA")
        .replace("{username}", "alice")
        .replace("{token_id}", "1")
        .replace("{rest:path}", "nothing")
    )


def test_every_console_route_without_a_session_redirects_to_login(console: Console) -> None:
    client = console.client()
    routes = [r for r in console.app.routes if isinstance(r, Route) and r.path.startswith("/console")]
    assert len(routes) > 20
    for route in routes:
        if route.path == "/console/login" or route.path in ("/console", "/console/"):
            continue
        for method in route.methods - {"HEAD"}:
            response = client.request(method, _concrete(route.path), data={"csrf_token": "x"})
            assert response.status_code == 303, (method, route.path)
            assert response.headers["location"].startswith("/console/login"), (method, route.path)


def test_every_api_operation_without_a_valid_token_is_401(console: Console) -> None:
    client = console.client()
    routes = [r for r in console.app.routes if isinstance(r, Route) and r.path.startswith("/api/v1")]
    checked = 0
    for route in routes:
        if route.path in ("/api/v1/openapi.json", "/api/v1/{rest:path}"):
            continue
        for method in route.methods - {"HEAD"}:
            for headers in (
                {},
                {"Authorization": "Bearer pdt_not-a-real-token"},
                {"Authorization": "Basic YWxpY2U6eA=="},
            ):
                response = client.request(method, _concrete(route.path), headers=headers, json={})
                assert response.status_code == 401, (method, route.path)
                assert response.json()["error"] == "unauthorized"
                assert response.headers["www-authenticate"].startswith("Bearer")
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/v1/agents"),
        ("POST", "/api/v1/agents"),
        ("POST", "/api/v1/agents/bob/disable"),
        ("POST", "/api/v1/agents/bob/enable"),
        ("GET", "/api/v1/account-events"),
        ("GET", "/api/v1/outbox"),
        ("GET", "/api/v1/audit-events"),
        ("POST", "/api/v1/tickets/PD-AAAA-AAAA/reassign"),
    ],
)
def test_an_agents_token_cannot_reach_admin_operations(console: Console, method: str, path: str) -> None:
    response = console.client().request(
        method,
        path,
        headers=console.token("alice"),
        json={"username": "mallory", "password": PASSWORD, "role": "admin"},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert [a.username for a in console.services.accounts.list_agents()] == ["alice", "bob", "root"]


def test_admin_pages_are_forbidden_to_agents(console: Console) -> None:
    client = console.login("alice")
    for path in ("/console/admin/agents", "/console/admin/audit", "/console/admin/outbox"):
        assert client.get(path).status_code == 403
    token = csrf_of(client.get("/console/queue").text)
    response = client.post(
        "/console/admin/agents",
        data={"csrf_token": token, "username": "mallory", "password": PASSWORD, "role": "admin"},
    )
    assert response.status_code == 403


def test_session_ids_are_stored_only_as_digests(console: Console) -> None:
    from sqlalchemy import select

    from bot.console.models import ConsoleSession

    client = console.login("alice")
    sid = client.cookies.get("pd_console")
    with console.services.accounts.database.read() as session:
        stored = session.scalars(select(ConsoleSession.id_hash)).all()
    assert stored == [hash_secret(sid)]


def test_pages_carry_a_csp_without_inline_script(console: Console) -> None:
    response = console.client().get("/console/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script" not in response.text


def test_unmigrated_database_gives_a_clear_503_not_a_crash(tmp_path) -> None:
    from starlette.testclient import TestClient

    from bot.settings import settings_from_environ
    from bot.webapp.app import create_app
    from tests.conftest import make_environ

    client = TestClient(create_app(settings_from_environ(make_environ(tmp_path / "var"))), follow_redirects=False)
    for path in ("/console/login", "/console/queue"):
        response = client.get(path)
        assert response.status_code == 503 and "privacy-desk migrate" in response.text
    assert client.get("/api/v1/me").json()["error"] == "unavailable"


def test_https_public_console_url_makes_the_cookie_secure_behind_a_tls_proxy(tmp_path) -> None:
    from tests.integration.console.conftest import _console
    from tests.unit.console.support import migrated_sqlite_url

    generator = _console(migrated_sqlite_url(tmp_path / "db"), tmp_path, PUBLIC_CONSOLE_URL="https://desk.example.com")
    console = next(generator)
    try:
        client = console.client()
        page = client.get("/console/login")
        login_cookie = next(h for h in page.headers.get_list("set-cookie") if h.startswith("pd_login_csrf="))
        assert "secure" in login_cookie.lower()
        # The proxy speaks http to the app; the browser (on https) does send its Secure cookies.
        response = client.post(
            "/console/login",
            data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            headers={"Cookie": login_cookie.split(";")[0]},
        )
        header = _session_cookie_header(response)
        assert header.startswith("__Host-pd_console=") and "secure" in header.lower()
    finally:
        generator.close()
