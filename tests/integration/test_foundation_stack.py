"""The running stack answers over REST, survives bad input, and guards its internals."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.stack


def test_greeting_over_rest_gets_the_greeting_with_options(stack) -> None:
    messages = stack.rest("foundation-greet", "hello")
    assert "privacy assistant" in messages[0]["text"]
    assert messages[0]["buttons"], "the greeting offers quick replies"


def test_asking_if_it_is_a_bot_gets_an_honest_answer(stack) -> None:
    assert "automated assistant" in stack.texts("foundation-bot", "are you a bot?")


@pytest.mark.parametrize(
    "message",
    ["", "x" * 10_000, "🙂🙂🙂", "مرحبا، هل يمكنك مساعدتي؟", "hello\x00\x07\x1b[2J", "\u202egnp.exe", "   "],
    ids=["empty", "10k-chars", "emoji", "rtl", "control-chars", "bidi-override", "blank"],
)
def test_odd_messages_get_a_sensible_reply_not_an_error(stack, message: str) -> None:
    reply = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": "foundation-odd", "message": message}, timeout=60
    )
    assert reply.status_code == 200
    texts = [m.get("text", "") for m in reply.json()]
    assert texts and all(texts), "every odd message is answered with text"


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"sender": 1, "message": "hi"}', b'{"message": "hi"}'])
def test_malformed_rest_bodies_are_rejected_with_400(stack, body: bytes) -> None:
    reply = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", content=body, timeout=30)
    assert reply.status_code == 400


def test_rasa_http_api_needs_the_token(stack) -> None:
    assert httpx.get(f"{stack.rasa_url}/status", timeout=10).status_code == 401
    ok = httpx.get(f"{stack.rasa_url}/status", params={"token": stack.settings.rasa_api_token}, timeout=10)
    assert ok.status_code == 200


def test_action_server_refuses_calls_without_the_shared_token(stack) -> None:
    body = {
        "next_action": "action_default_fallback_options",
        "tracker": {"sender_id": "x", "slots": {"email": "canary@example.com"}},
    }
    reply = httpx.post(f"{stack.action_url}/webhook", json=body, timeout=10)
    assert reply.status_code == 401
    assert "canary" not in reply.text


def test_action_server_errors_never_echo_the_tracker(stack) -> None:
    body = {"next_action": "action_default_fallback_options", "tracker": {"slots": {"email": "canary@example.com"}}}
    reply = httpx.post(
        f"{stack.action_url}/webhook",
        json=body,
        headers={"Authorization": f"Bearer {stack.settings.action_server_token}"},
        timeout=10,
    )
    assert reply.status_code >= 400
    assert "canary" not in reply.text


def test_a_second_run_while_one_runs_says_already_running(stack) -> None:
    env = {**os.environ, **stack.env}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert f"already running on port {stack.settings.action_port}" in result.stderr
    assert httpx.get(f"{stack.rasa_url}/", timeout=10).status_code == 200, "the running stack is untouched"
