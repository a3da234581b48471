"""Readiness: 200 when the database answers, 503 naming the failing check otherwise."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from bot.settings import settings_from_environ
from bot.webapp.app import create_app
from tests.conftest import make_environ


def test_web_app_is_ready_when_its_database_answers(tmp_path: Path) -> None:
    settings = settings_from_environ(make_environ(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}"))
    with TestClient(create_app(settings)) as client:
        reply = client.get("/readyz")
    assert reply.status_code == 200 and reply.json() == {"status": "ready", "checks": {"database": "ok"}}


def test_web_app_is_live_but_not_ready_when_its_database_is_down(tmp_path: Path) -> None:
    down = "postgresql://nobody@127.0.0.1:1/none"  # nothing listens on port 1
    settings = settings_from_environ(make_environ(tmp_path, DATABASE_URL=down))
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        reply = client.get("/readyz")
    assert reply.status_code == 503 and reply.json()["checks"] == {"database": "failing"}
    assert "nobody" not in reply.text, "no connection details in the answer"
