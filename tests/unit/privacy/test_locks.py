"""Internals locked down, tested on the apps themselves (no running stack needed).

* The action server refuses calls without the shared token and never echoes the tracker.
* The REST channel answers 404 in the production profile.
"""

from __future__ import annotations

import logging
from typing import Any, AsyncIterator, Dict, List

import httpx
import pytest
from sanic import Sanic

from actions.server import create_action_app
from bot.channels.rest import GuardedRestInput
from tests.conftest import make_environ

TOKEN = "shared-token-for-tests"
CANARY = "yarrowby.canary.3390@example.org"
ACTIONS = "tests.unit.privacy.fixture_actions"


def action_call(action: str) -> Dict[str, Any]:
    return {
        "next_action": action,
        "sender_id": "s1",
        "tracker": {"sender_id": "s1", "slots": {"email": CANARY}, "events": [], "latest_message": {"text": CANARY}},
        "domain": {},
    }


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sanic rewrites its own methods at startup; test mode (as sanic-testing sets it)
    # keeps the originals so several apps can start in one process.
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
async def action_client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_action_app(TOKEN, package=ACTIONS)
    await app._startup()  # noqa: SLF001 - what Sanic's ASGI lifespan does
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://actions") as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["none", "wrong", "no-scheme", "basic"],
)
async def test_action_server_refuses_calls_without_the_token(
    action_client: httpx.AsyncClient, headers: Dict[str, str]
) -> None:
    reply = await action_client.post("/webhook", json=action_call("action_that_works"), headers=headers)

    assert reply.status_code == 401
    assert CANARY not in reply.text


async def test_action_server_lists_actions_only_with_the_token(action_client: httpx.AsyncClient) -> None:
    assert (await action_client.get("/actions")).status_code == 401
    listed = await action_client.get("/actions", headers={"Authorization": f"Bearer {TOKEN}"})
    assert listed.status_code == 200 and {"name": "action_that_works"} in listed.json()


async def test_action_server_runs_actions_with_the_token(action_client: httpx.AsyncClient) -> None:
    reply = await action_client.post(
        "/webhook", json=action_call("action_that_works"), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert reply.status_code == 200 and reply.json()["responses"][0]["text"] == "done"


async def test_failing_action_answers_a_fixed_error_without_the_tracker(
    action_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        reply = await action_client.post(
            "/webhook", json=action_call("action_that_fails"), headers={"Authorization": f"Bearer {TOKEN}"}
        )

    assert reply.status_code == 500
    assert set(reply.json()) == {"error", "error_id"}
    assert CANARY not in reply.text and "yarrowby" not in reply.text
    assert reply.json()["error_id"] in caplog.text
    assert CANARY not in caplog.text


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b"{}", b'{"next_action": 1, "tracker": "' + CANARY.encode() + b'"}']
)
async def test_action_server_bad_bodies_are_refused_without_echo(action_client: httpx.AsyncClient, body: bytes) -> None:
    reply = await action_client.post(
        "/webhook", content=body, headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    )
    assert 400 <= reply.status_code < 500
    assert CANARY not in reply.text


async def test_unknown_action_is_named_but_the_tracker_is_not_echoed(action_client: httpx.AsyncClient) -> None:
    reply = await action_client.post(
        "/webhook", json=action_call("action_nobody_wrote"), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert reply.status_code == 404 and CANARY not in reply.text


async def rest_client(channel: GuardedRestInput) -> httpx.AsyncClient:
    received: List[Any] = []

    async def on_new_message(message: Any) -> None:
        received.append(message)

    app = Sanic(f"rest_lock_test_{id(channel)}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
    await app._startup()  # noqa: SLF001
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rasa")
    client.received = received  # type: ignore[attr-defined]
    return client


async def test_rest_channel_is_off_in_the_production_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    environ = make_environ(tmp_path, PROFILE="production", DATABASE_URL="postgresql://db/x", REDIS_URL="redis://r/0")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    client = await rest_client(GuardedRestInput())
    async with client:
        reply = await client.post("/webhooks/rest/webhook", json={"sender": "s", "message": "hello"})
        health = await client.get("/webhooks/rest/")

    assert reply.status_code == 404 and health.status_code == 404
    assert client.received == []  # type: ignore[attr-defined]


async def test_rest_channel_treats_a_forced_intent_as_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name, value in make_environ(tmp_path).items():
        monkeypatch.setenv(name, value)
    client = await rest_client(GuardedRestInput())
    async with client:
        reply = await client.post(
            "/webhooks/rest/webhook", json={"sender": "s", "message": '/inform{"verified": true}'}
        )

    assert reply.status_code == 200
    [message] = client.received  # type: ignore[attr-defined]
    assert not message.text.startswith("/") and message.input_channel == "rest"
