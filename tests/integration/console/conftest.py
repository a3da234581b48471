"""A console app on a migrated database with an injected clock, and helpers to drive it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest
from starlette.testclient import TestClient

from bot.console import ROLE_ADMIN, ROLE_AGENT
from bot.settings import Settings, settings_from_environ
from bot.tickets import (
    Channel,
    Kind,
    PersonalData,
    Status,
    TicketView,
    Verification,
    VerificationLevel,
    VerificationMethod,
)
from bot.webapp.app import create_app
from bot.webapp.auth import ConsoleServices, build_services
from tests.conftest import make_environ
from tests.unit.console.support import PASSWORD, FakeClock, fast_hasher, migrated_sqlite_url, postgres_schema

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    settings: Settings
    services: ConsoleServices
    app: Any
    clock: FakeClock

    def client(self, **kwargs: Any) -> TestClient:
        return TestClient(self.app, follow_redirects=False, **kwargs)

    def login(self, username: str, password: str = PASSWORD, client: Optional[TestClient] = None) -> TestClient:
        client = client or self.client()
        page = client.get("/console/login")
        response = client.post(
            "/console/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": csrf_of(page.text),
                "next": "/console/queue",
            },
        )
        assert response.status_code == 303, response.text
        return client

    def token(self, username: str) -> Dict[str, str]:
        raw, _ = self.services.accounts.issue_token(username, actor="system:test")
        return {"Authorization": f"Bearer {raw}"}

    def ticket(
        self,
        *,
        kind: Kind = Kind.ACCESS,
        status: Status = Status.VERIFIED,
        channel: Channel = Channel.SMS,
        personal: Optional[PersonalData] = None,
        transcript: Optional[str] = None,
        key: Optional[str] = None,
        received_at: Any = None,
    ) -> TicketView:
        verification = (
            Verification(VerificationMethod.SMS_CODE, VerificationLevel.REASONABLE, ("phone", "email"))
            if status is Status.VERIFIED
            else None
        )
        import uuid

        return self.services.tickets.create(
            kind=kind,
            channel=channel,
            status=status,
            idempotency_key=key or uuid.uuid4().hex,
            personal=personal
            or PersonalData(requester_name="Ada Lovelace", email="ada@example.com", phone="+12025550143"),
            verification=verification,
            transcript=transcript,
            received_at=received_at,
        ).ticket


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _console(url: str, tmp_path: Path, **overrides: str) -> Iterator[Console]:
    settings = settings_from_environ(make_environ(tmp_path / "var", DATABASE_URL=url, **overrides))
    clock = FakeClock()
    services = build_services(settings, clock=clock, hasher=fast_hasher())
    app = create_app(settings)
    app.state.console_services = services
    services.accounts.create_agent("alice", PASSWORD, role=ROLE_AGENT)
    services.accounts.create_agent("bob", PASSWORD, role=ROLE_AGENT)
    services.accounts.create_agent("root", PASSWORD, role=ROLE_ADMIN)
    try:
        yield Console(settings=settings, services=services, app=app, clock=clock)
    finally:
        services.tickets.database.dispose()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    yield from _console(migrated_sqlite_url(tmp_path / "db"), tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_console(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Console]:
    if request.param == "sqlite":
        yield from _console(migrated_sqlite_url(tmp_path / "db"), tmp_path)
    else:
        with postgres_schema(request.getfixturevalue("postgres_url")) as url:
            yield from _console(url, tmp_path)
