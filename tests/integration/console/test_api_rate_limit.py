"""/api/v1 rate limits through the app: 429 with Retry-After at N+1, per token, per address, shared across replicas."""

from __future__ import annotations

import secrets
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator, List, Tuple

import pytest
import redis
import schemathesis
from starlette.testclient import TestClient

from bot.webapp.app import create_app
from bot.webapp.openapi import openapi_document
from tests.integration.console.conftest import Console, _console
from tests.unit.console.support import migrated_sqlite_url

TICKETS = "/api/v1/tickets"
ATTACKER = ("203.0.113.66", 40000)


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Console]:
    """The in-process limiter (local profile): 3 requests per token a minute, 2 failed sign-ins per address."""
    yield from _console(
        migrated_sqlite_url(tmp_path / "db"), tmp_path, API_RATE_LIMIT="3/60", API_AUTH_FAILURE_LIMIT="2/300"
    )


def _validate(response) -> None:
    schemathesis.openapi.from_dict(openapi_document())["/api/v1/tickets"]["GET"].validate_response(response)


def test_the_request_after_the_token_limit_gets_429_with_retry_after(limited: Console) -> None:
    client, alice = limited.client(), limited.token("alice")
    answers = [client.get(TICKETS, headers=alice) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 55 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"] == "rate_limited" and refused.json()["retry_after"] == int(
        refused.headers["Retry-After"]
    )
    _validate(refused)


def test_tokens_have_separate_limits_even_for_one_agent(limited: Console) -> None:
    client = limited.client()
    first, second, bob = limited.token("alice"), limited.token("alice"), limited.token("bob")
    for _ in range(3):
        client.get(TICKETS, headers=first)
    assert client.get(TICKETS, headers=first).status_code == 429
    assert client.get(TICKETS, headers=second).status_code == 200
    assert client.get(TICKETS, headers=bob).status_code == 200


def test_failed_authentications_from_one_address_get_429_even_with_a_good_token(limited: Console) -> None:
    attacker = limited.client(client=ATTACKER)
    assert attacker.get(TICKETS, headers={"Authorization": "Bearer pdt_guess1"}).status_code == 401
    assert attacker.get(TICKETS).status_code == 401  # no token at all counts too
    refused = attacker.get(TICKETS, headers=limited.token("alice"))
    assert refused.status_code == 429 and 295 <= int(refused.headers["Retry-After"]) <= 300
    _validate(refused)
    # Another address, and agents behind a local proxy (loopback), are not affected.
    assert limited.client(client=("198.51.100.4", 40000)).get(TICKETS, headers=limited.token("bob")).status_code == 200
    assert limited.client().get(TICKETS, headers=limited.token("alice")).status_code == 200


def test_every_operation_documents_429_with_retry_after() -> None:
    document = openapi_document()
    operations = [op for path in document["paths"].values() for method, op in path.items() if method in ("get", "post")]
    assert operations and all("429" in op["responses"] for op in operations)
    assert all(op["responses"]["429"]["headers"]["Retry-After"]["required"] for op in operations)


def test_a_malformed_limit_fails_at_startup_naming_the_variable(limited: Console) -> None:
    from bot.settings import SettingsError, settings_from_environ
    from tests.conftest import make_environ

    with pytest.raises(SettingsError, match="API_RATE_LIMIT"):
        settings_from_environ(make_environ(Path(limited.settings.var_dir), API_RATE_LIMIT="lots"))


# ------------------------------------------------------------------ Redis: two replicas share the counts


@pytest.fixture
def replicas(tmp_path: Path, redis_url: str) -> Iterator[Tuple[Console, Callable[..., List[TestClient]]]]:
    """Two web app instances on one database and one Redis (3-second windows so a reset is quick to see)."""
    for console in _console(
        migrated_sqlite_url(tmp_path / "db"),
        tmp_path,
        REDIS_URL=redis_url,
        API_RATE_LIMIT="4/3",
        API_AUTH_FAILURE_LIMIT="3/3",
    ):
        second = create_app(console.settings)
        second.state.console_services = console.services

        def clients(apps: Tuple[Any, ...] = (console.app, second), **kwargs: Any) -> List[TestClient]:
            return [TestClient(app, follow_redirects=False, **kwargs) for app in apps]

        yield console, clients


@pytest.mark.redis
def test_two_app_instances_share_one_token_limit_through_redis(replicas) -> None:
    console, clients = replicas
    one, two = clients()
    alice = console.token("alice")
    answers = [(one if i % 2 else two).get(TICKETS, headers=alice) for i in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert one.get(TICKETS, headers=console.token("bob")).status_code == 200  # separate token, separate count
    time.sleep(int(answers[-1].headers["Retry-After"]) + 0.2)  # the window ends
    assert two.get(TICKETS, headers=alice).status_code == 200


@pytest.mark.redis
def test_two_app_instances_share_one_address_failure_limit_through_redis(replicas) -> None:
    console, clients = replicas
    one, two = clients(client=(f"203.0.113.{secrets.randbelow(200) + 20}", 40000))
    bad = {"Authorization": f"Bearer pdt_{uuid.uuid4().hex}"}
    assert [
        one.get(TICKETS, headers=bad).status_code,
        two.get(TICKETS, headers=bad).status_code,
        one.get(TICKETS, headers=bad).status_code,
    ] == [401, 401, 401]
    refused = two.get(TICKETS, headers=console.token("alice"))
    assert refused.status_code == 429
    time.sleep(int(refused.headers["Retry-After"]) + 0.2)
    assert one.get(TICKETS, headers=console.token("alice")).status_code == 200


@pytest.mark.redis
def test_redis_keys_expire_and_hold_no_token(replicas, redis_url: str) -> None:
    console, clients = replicas
    one, _ = clients()
    headers = console.token("alice")
    one.get(TICKETS, headers=headers)
    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    token = headers["Authorization"].split()[1]
    keys = [k.decode() for k in client.scan_iter(match="pd:ratelimit:*", count=1000)]
    assert keys and all(token not in k for k in keys)
    assert all(0 < client.pttl(k) <= 3000 for k in keys)
