"""A webhook system: signed, idempotent requests; a failing system is retried, then failed, and the others finish."""

from __future__ import annotations

import hmac
import json
from typing import List

import pytest

from bot.fulfilment import Purpose
from bot.fulfilment.connectors.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify
from tests.unit.fulfilment.fake_webhook import fake_system
from tests.unit.fulfilment.support import DEMO_MAP

ADA = "ada.demo@example.com"
SECRET = "s3cret-for-tests"
CRM = "  crm:\n    title: CRM (hosted)\n    connector: webhook\n    url_env: CRM_URL\n    secret_env: CRM_SECRET\n    timeout_s: 0.3\n    retries: 2\n    send: [email, account_id]\n"
MAP = DEMO_MAP + CRM


@pytest.fixture
def crm():
    with fake_system() as system:
        yield system


def service_for(world, crm, sleeps: List[float]):
    world.environ.update(CRM_URL=crm.url, CRM_SECRET=SECRET)
    return world.service(MAP, sleep=sleeps.append)


def approved(service, purpose=Purpose.ERASURE):
    view = service.plan(purpose, {"email": [ADA]})
    service.approve(view.id, "agent-1")
    return view.id


def test_a_system_answering_500_is_retried_with_backoff_then_failed_and_the_others_are_done(sqlite_world, crm) -> None:
    sleeps: List[float] = []
    service = service_for(sqlite_world, crm, sleeps)
    try:
        run_id = approved(service)
        crm.requests.clear()
        crm.mode = "500"
        view, _ = service.execute(run_id)
        steps = {s.system: s for s in view.steps}
        assert steps["crm"].status == "failed" and steps["crm"].error_code == "server_error"
        assert [steps[n].status for n in ("shop", "marketing", "support")] == ["done"] * 3
        assert view.status == "partial"
        assert len(crm.requests) == 3 and sleeps == [0.5, 1.0]
        assert len({r["headers"]["Idempotency-Key"] for r in crm.requests}) == 1

        crm.mode = "ok"
        view, _ = service.execute(run_id)  # resume: only the failed system runs again
        steps = {s.system: s for s in view.steps}
        assert steps["crm"].status == "done" and steps["crm"].receipt.changed == 1
        assert (steps["shop"].attempts, steps["crm"].attempts) == (1, 2)
        assert crm.requests[-1]["headers"]["Idempotency-Key"] == crm.requests[0]["headers"]["Idempotency-Key"]
    finally:
        service.close()


def test_requests_are_signed_over_timestamp_and_body_and_carry_only_the_mapped_identities(sqlite_world, crm) -> None:
    service = service_for(sqlite_world, crm, [])
    try:
        run_id = approved(service)
        service.execute(run_id)
    finally:
        service.close()
    request = crm.requests[-1]
    timestamp, signature = request["headers"][TIMESTAMP_HEADER], request["headers"][SIGNATURE_HEADER]
    assert hmac.compare_digest(signature, sign(SECRET, timestamp, request["body"]))
    assert verify(SECRET, timestamp, request["body"], signature)
    assert not verify(SECRET, timestamp, request["body"] + b" ", signature)  # body changed
    assert not verify("another-secret", timestamp, request["body"], signature)
    assert not verify(SECRET, timestamp, request["body"], signature, now=float(timestamp) + 301)  # a replay
    body = json.loads(request["body"])
    assert body["operation"] == "erasure" and body["request_id"] == run_id
    assert body["identities"] == {"email": [ADA], "account_id": ["acct-demo-ada"]}


def test_access_includes_the_webhook_systems_records(sqlite_world, crm) -> None:
    service = service_for(sqlite_world, crm, [])
    try:
        _, package = service.execute(approved(service, Purpose.ACCESS))
    finally:
        service.close()
    crm_part = next(s for s in json.loads(package.json_bytes)["systems"] if s["system"] == "crm")
    assert crm_part["tables"] == crm.records


@pytest.mark.parametrize(
    "mode, code, attempts", [("garbage", "bad_response", 1), ("404", "refused", 1), ("slow", "timeout", 3)]
)
def test_a_system_that_answers_garbage_refuses_or_hangs_fails_only_its_own_step(
    sqlite_world, crm, mode, code, attempts
) -> None:
    service = service_for(sqlite_world, crm, [])
    try:
        run_id = approved(service)
        crm.requests.clear()
        crm.mode = mode
        view, _ = service.execute(run_id)
    finally:
        service.close()
    steps = {s.system: s for s in view.steps}
    assert steps["crm"].status == "failed" and steps["crm"].error_code == code
    assert len(crm.requests) == attempts
    assert steps["shop"].status == "done"


def test_an_unconfigured_webhook_fails_its_step_without_calling_anyone(sqlite_world, crm) -> None:
    sqlite_world.environ.update(CRM_URL="http://crm.example/privacy", CRM_SECRET=SECRET)
    service = sqlite_world.service(MAP)
    try:
        view, _ = service.execute(approved(service))
    finally:
        service.close()
    assert {s.system: s.error_code for s in view.steps}["crm"] == "not_configured"


def test_each_run_previews_under_its_own_idempotency_key(sqlite_world, crm) -> None:
    service = service_for(sqlite_world, crm, [])
    try:
        first = service.plan(Purpose.ACCESS, {"email": [ADA]})
        second = service.plan(Purpose.ACCESS, {"email": [ADA]})
    finally:
        service.close()
    keys = [r["headers"]["Idempotency-Key"] for r in crm.requests]
    assert keys == [f"{first.id}:crm:preview", f"{second.id}:crm:preview"]


def test_a_system_that_is_down_is_retried_then_failed_as_unreachable(sqlite_world, crm) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/privacy"
    sleeps: List[float] = []
    sqlite_world.environ.update(CRM_URL=closed, CRM_SECRET=SECRET)
    service = sqlite_world.service(MAP, sleep=sleeps.append)
    try:
        run_id = approved(service)
        assert service.view(run_id).plan["systems"]["crm"]["error"] == "unreachable"  # the preview said so first
        view, _ = service.execute(run_id)
    finally:
        service.close()
    steps = {s.system: s for s in view.steps}
    assert steps["crm"].status == "failed" and steps["crm"].error_code == "unreachable"
    assert sleeps == [0.5, 1.0] * 2 and steps["shop"].status == "done"  # preview, then erasure: 3 tries each
