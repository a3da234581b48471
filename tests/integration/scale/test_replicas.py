"""Two Rasa replicas on PostgreSQL + Redis behave like one assistant.

Every test talks to the production profile started by ``privacy-desk``'s own
cluster code (``bot.ops.replicas``): 2 Rasa replicas, one action server each, the
web app and nginx in front, on a fresh PostgreSQL database and Redis.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from typing import Dict, List, Tuple

import httpx
import pytest

from bot.ops.replicas import rasa_name
from bot.rasa.failsafe import ACTION_FAILED_TEXT
from bot.settings import PROJECT_ROOT
from tests.integration.scale.cluster import Cluster, postgres_control, rest_turn, texts, user_texts
from tests.integration.scale.flows import ESCALATION_FLOW, FLOWS, flow_names

pytestmark = [pytest.mark.stack, pytest.mark.scale, pytest.mark.postgres, pytest.mark.redis]

CONVERSATIONS = 200
HONEST_FAILURES = (ACTION_FAILED_TEXT, "couldn't pass this to our team just now")


async def _converse(
    client: httpx.AsyncClient, cluster: Cluster, sender: str, flow: str, rng: random.Random, log: List[Tuple[str, int]]
) -> List[str]:
    """Run one scripted conversation, each turn on a random replica; return the problems seen."""
    problems = []
    for turn in FLOWS[flow]:
        replica = cluster.random_replica(rng)
        log.append((sender, replica))
        try:
            reply = await rest_turn(client, cluster.replica_url(replica), sender, turn.message)
        except httpx.TransportError as exc:
            problems.append(f"{sender}: {turn.describe} failed on {rasa_name(replica)}: {type(exc).__name__}")
            continue
        if reply.status_code != 200:
            problems.append(f"{sender}: {turn.describe} answered HTTP {reply.status_code} on {rasa_name(replica)}")
            continue
        text = texts(reply.json())
        if not turn.check(text):
            problems.append(f"{sender}: {turn.describe} got {text[:120]!r} on {rasa_name(replica)}")
    return problems


def escalation_tickets(cluster: Cluster) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(cluster.settings.database_url, future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM tickets WHERE kind = 'escalation'")).scalar_one()
    finally:
        engine.dispose()


def _run_conversations(cluster: Cluster, senders: Dict[str, str], seed: int) -> Tuple[List[str], List[Tuple[str, int]]]:
    rng = random.Random(seed)
    log: List[Tuple[str, int]] = []

    async def main() -> List[str]:
        # A connection per turn: a turn never rides on a keep-alive connection the replica is closing.
        limits = httpx.Limits(max_connections=CONVERSATIONS * 2, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits) as client:
            results = await asyncio.gather(
                *(
                    _converse(client, cluster, sender, flow, random.Random(rng.random()), log)
                    for sender, flow in senders.items()
                )
            )
        return [problem for result in results for problem in result]

    return asyncio.run(main()), log


def test_every_process_reports_liveness_and_readiness(healthy_cluster: Cluster) -> None:
    cluster = healthy_cluster
    layout = cluster.layout
    for i in range(layout.replicas):
        assert httpx.get(f"{layout.rasa_url(i)}/", timeout=10).status_code == 200
        ready = httpx.get(f"{layout.rasa_url(i)}/webhooks/ready/", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"model": "ok", "conversations_db": "ok", "lock_store": "ok"}
        assert httpx.get(f"http://127.0.0.1:{layout.action_ports[i]}/health", timeout=10).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{layout.action_ports[i]}/ready", timeout=10).json()["status"] == "ready"
    assert httpx.get(f"http://127.0.0.1:{layout.web_port}/healthz", timeout=10).status_code == 200
    assert httpx.get(f"http://127.0.0.1:{layout.web_port}/readyz", timeout=10).json()["status"] == "ready"
    assert httpx.get(f"{layout.lb_url}/lb/health", timeout=10).status_code == 200
    assert httpx.get(f"{layout.lb_url}/webhooks/ready/", timeout=10).status_code == 200


def test_the_load_balancer_does_not_expose_rasas_http_api(healthy_cluster: Cluster) -> None:
    lb = healthy_cluster.layout.lb_url
    token = healthy_cluster.token
    for path in ("/status", "/conversations/x/tracker", "/model/parse", "/domain"):
        assert httpx.get(f"{lb}{path}", params={"token": token}, timeout=10).status_code == 404


def test_200_concurrent_conversations_alternating_between_replicas_are_complete_and_in_order(
    healthy_cluster: Cluster,
) -> None:
    cluster = healthy_cluster
    names = flow_names()
    senders = {f"scale-{uuid.uuid4().hex[:10]}": names[i % len(names)] for i in range(CONVERSATIONS)}
    started = time.monotonic()
    problems, log = _run_conversations(cluster, senders, seed=9)
    elapsed = time.monotonic() - started
    assert not problems, f"{len(problems)} bad turns, e.g.:\n" + "\n".join(problems[:10])

    # Turns really did move between replicas.
    per_sender: Dict[str, set] = {}
    for sender, replica in log:
        per_sender.setdefault(sender, set()).add(replica)
    switched = sum(1 for replicas in per_sender.values() if len(replicas) > 1)
    assert switched > CONVERSATIONS * 0.8, f"only {switched} conversations used both replicas"

    # Every conversation's stored events: each user turn exactly once, in order, each answered.
    for sender, flow in senders.items():
        tracker = cluster.tracker(sender, replica=random.randrange(2))
        sent = [turn.message for turn in FLOWS[flow]]
        assert user_texts(tracker) == sent, f"{sender}: stored user turns differ from what was sent"
        events = [e["event"] for e in tracker["events"]]
        user_positions = [i for i, e in enumerate(events) if e == "user"]
        for here, after in zip(user_positions, user_positions[1:] + [len(events)]):
            between = events[here + 1 : after]
            assert "bot" in between, f"{sender}: a user turn has no bot reply stored after it"
            assert (
                between[-1] == "action" and tracker["events"][after - 1].get("name") == "action_listen"
            ), f"{sender}: a turn did not end with action_listen"
        timestamps = [e["timestamp"] for e in tracker["events"]]
        assert timestamps == sorted(timestamps), f"{sender}: events out of order"
    # No duplicate tickets: each escalation conversation filed exactly one, whichever replica took the turn.
    escalations = [s for s, f in senders.items() if f == ESCALATION_FLOW]
    if escalations:
        assert escalation_tickets(cluster) == len(escalations), "one escalation ticket per conversation"
    print(f"\n{CONVERSATIONS} conversations, {len(log)} turns in {elapsed:.1f}s ({len(log) / elapsed:.1f} turns/s)")


def test_two_messages_at_once_on_two_replicas_are_processed_one_after_the_other(healthy_cluster: Cluster) -> None:
    """RedisLockStore: the same conversation is never processed on two replicas at once."""
    cluster = healthy_cluster
    senders = [f"lock-{uuid.uuid4().hex[:10]}" for _ in range(20)]

    async def main() -> List[List[int]]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0)) as client:
            return await asyncio.gather(
                *(
                    asyncio.gather(
                        rest_turn(client, cluster.replica_url(0), sender, "do you record phone calls?"),
                        rest_turn(client, cluster.replica_url(1), sender, "where is my data stored?"),
                    )
                    for sender in senders
                )
            )

    results = asyncio.run(main())
    assert all(r.status_code == 200 for pair in results for r in pair)
    for sender in senders:
        tracker = cluster.tracker(sender)
        assert sorted(user_texts(tracker)) == ["do you record phone calls?", "where is my data stored?"]
        events = tracker["events"]
        # The second user turn starts only after the first one ended (action_listen), never interleaved.
        positions = [i for i, e in enumerate(events) if e["event"] == "user"]
        first_turn = events[positions[0] + 1 : positions[1]]
        assert [e.get("name") for e in first_turn if e["event"] == "action"][-1] == "action_listen"
        assert any(e["event"] == "bot" for e in first_turn)


def test_web_chat_over_socketio_through_the_load_balancer_resumes_on_another_connection(
    healthy_cluster: Cluster,
) -> None:
    """websocket-only socket.io through nginx; every reconnect (to either replica) resumes the session."""
    from tests.integration.scale.webchat import WebChat

    lb = healthy_cluster.layout.lb_url
    messages = ["hello", "do you record phone calls?", "are you a bot?", "thanks"]

    async def main() -> Tuple[str, List[str]]:
        replies, session = [], None
        for message in messages:  # a new connection per message: least_conn spreads them over the replicas
            async with WebChat(lb) as chat:
                confirmed = await chat.start(session)
                assert session is None or confirmed == session, "the server-issued session id is honoured"
                session = confirmed
                replies.append(" ".join(m.get("text", "") for m in await chat.say(message, session)))
        return session, replies

    session, replies = asyncio.run(main())
    assert "privacy assistant" in replies[0]
    assert all(replies), "every message over the web chat was answered"
    assert user_texts(healthy_cluster.tracker(session)) == messages


FORM_ANSWERS = {
    "full_name": "Jane Example",
    "email": "jane.example@example.com",
    "phone": "+1 212 555 0100",
    "date_of_birth": "2 April 1980",
    "identifier": "customer number 12345",
}


def _request_form_exists() -> bool:
    import yaml

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return "request_form" in (domain.get("forms") or {})


def test_action_server_killed_mid_form_tells_the_user_and_the_form_resumes_after_restart(
    healthy_cluster: Cluster,
) -> None:
    if not _request_form_exists():
        pytest.skip("no request form in domain.yml yet")
    cluster = healthy_cluster
    sender = f"form-{uuid.uuid4().hex[:10]}"
    replica = 0  # this replica's action server is the one that dies

    def say(message: str) -> str:
        reply = httpx.post(
            f"{cluster.replica_url(replica)}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=120,
        )
        assert reply.status_code == 200
        return texts(reply.json())

    def state() -> Tuple[str, str, Dict[str, object]]:
        tracker = cluster.tracker(sender)
        return (tracker.get("active_loop") or {}).get("name"), tracker["slots"].get("requested_slot"), tracker["slots"]

    say("I want to delete my personal data")
    loop, asked, _ = state()
    assert loop == "request_form" and asked in FORM_ANSWERS, f"the form asks for a detail first (asked {asked})"
    say(FORM_ANSWERS[asked])
    loop, pending, slots_before = state()
    assert loop == "request_form" and pending != asked and slots_before[asked], "the first answer was taken"
    assert pending in FORM_ANSWERS, f"the second question is a detail we can answer (asked {pending})"

    cluster.kill_action_server(replica)
    failed_reply = say(FORM_ANSWERS[pending])
    assert ACTION_FAILED_TEXT in failed_reply, "the user is told honestly that the step failed"
    loop, still_pending, slots_during = state()
    assert loop == "request_form" and still_pending == pending, "the form waits at the same question"
    assert slots_during[asked] == slots_before[asked], "nothing already given was lost"

    cluster.restart_action_server(replica)
    resumed_reply = say(FORM_ANSWERS[pending])
    assert ACTION_FAILED_TEXT not in resumed_reply
    loop, next_asked, slots_after = state()
    assert slots_after[asked] == slots_before[asked] and slots_after.get(
        pending
    ), "the form resumed and took the answer"
    assert next_asked != pending
    stored = user_texts(cluster.tracker(sender))
    assert stored[-2:] == [FORM_ANSWERS[pending], FORM_ANSWERS[pending]], "every turn is in the conversation, in order"
    say("never mind")


def test_postgres_restarted_mid_run_gives_clear_errors_then_recovers_without_corruption(
    healthy_cluster: Cluster,
) -> None:
    cluster = healthy_cluster
    senders = {f"pg-{uuid.uuid4().hex[:10]}": name for name in flow_names() for _ in range(10)}
    refused: List[Tuple[int, str]] = []
    told_failure: List[str] = []
    readiness_during_outage: List[int] = []
    done: List[str] = []
    tickets_before = escalation_tickets(cluster)
    outage = {"down": False}

    async def converse(client: httpx.AsyncClient, sender: str, flow: str) -> List[str]:
        problems = []
        for turn in FLOWS[flow]:
            deadline = time.monotonic() + 120
            while True:  # a user whose message was refused, or who was told a step failed, sends it again
                reply = await rest_turn(client, cluster.layout.lb_url, sender, turn.message)
                if time.monotonic() > deadline:
                    break
                if reply.status_code == 200:
                    text = texts(reply.json())
                    if not any(failure in text for failure in HONEST_FAILURES):
                        break
                    told_failure.append(text)
                else:
                    refused.append((reply.status_code, reply.text))
                await asyncio.sleep(1.0)
            if reply.status_code != 200 or not turn.check(texts(reply.json())):
                problems.append(f"{sender}: {turn.describe} -> {reply.status_code} {reply.text[:100]}")
            done.append(sender)
            await asyncio.sleep(0.5)
        return problems

    async def restart_postgres() -> None:
        total = sum(len(FLOWS[f]) for f in senders.values())
        while len(done) < total // 4:  # mid-run
            await asyncio.sleep(0.05)
        await asyncio.to_thread(postgres_control, cluster.settings.database_url, "stop")
        outage["down"] = True
        async with httpx.AsyncClient() as client:
            for _ in range(3):
                ready = await client.get(f"{cluster.replica_url(0)}/webhooks/ready/", timeout=15)
                readiness_during_outage.append(ready.status_code)
                await asyncio.sleep(1.0)
        await asyncio.to_thread(postgres_control, cluster.settings.database_url, "start")
        outage["down"] = False

    async def main() -> List[str]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=100, max_keepalive_connections=0)) as client:
            results = await asyncio.gather(restart_postgres(), *(converse(client, s, f) for s, f in senders.items()))
        return [p for result in results[1:] for p in result]

    try:
        problems = asyncio.run(main())
    finally:
        if outage["down"]:
            postgres_control(cluster.settings.database_url, "start")
    assert not problems, "\n".join(problems[:10])
    assert refused, "some turns fell into the outage"
    assert all(status == 503 and "could not process" in body for status, body in refused), refused[:3]
    assert 503 in readiness_during_outage, "replicas report not-ready while the database is down"
    for sender, flow in senders.items():
        stored = [t for t in user_texts(cluster.tracker(sender))]
        deduplicated = [t for i, t in enumerate(stored) if i == 0 or t != stored[i - 1]]
        assert deduplicated == [t.message for t in FLOWS[flow]], f"{sender}: stored turns differ"
        # A turn is stored twice only when the user was told it failed and sent it again.
        assert len(stored) - len(deduplicated) <= len(told_failure)
    escalations = [s for s, f in senders.items() if f == ESCALATION_FLOW]
    assert escalation_tickets(cluster) - tickets_before == len(escalations), "one ticket per escalation, none twice"
    assert "cannot be read" not in cluster.logs(), "no conversation was quarantined as unreadable"
    assert httpx.get(f"{cluster.replica_url(1)}/webhooks/ready/", timeout=15).status_code == 200


def test_killing_one_replica_mid_run_lets_conversations_continue_on_the_other(healthy_cluster: Cluster) -> None:
    cluster = healthy_cluster
    senders = {f"kill-{uuid.uuid4().hex[:10]}": "policy-calls" for _ in range(40)}
    killed_at: Dict[str, float] = {}
    retried: List[str] = []
    done: List[str] = []

    async def converse(client: httpx.AsyncClient, sender: str, flow: str) -> List[str]:
        problems = []
        for turn in FLOWS[flow]:
            for _attempt in range(3):  # what a web client does when its connection breaks: send again
                try:
                    reply = await rest_turn(client, cluster.layout.lb_url, sender, turn.message)
                except httpx.TransportError:
                    reply = None
                if reply is not None and reply.status_code == 200:
                    break
                retried.append(sender)
                await asyncio.sleep(0.5)
            if reply is None or reply.status_code != 200 or not turn.check(texts(reply.json())):
                problems.append(f"{sender}: {turn.describe} failed after retries")
            done.append(sender)
            await asyncio.sleep(0.2)
        return problems

    async def killer() -> None:
        total = sum(len(FLOWS[f]) for f in senders.values())
        while len(done) < total // 4:  # mid-run: a quarter of the turns are answered
            await asyncio.sleep(0.05)
        cluster.kill_replica(0)  # SIGKILL: no goodbye
        killed_at["t"] = time.monotonic()
        killed_at["done"] = len(done)

    async def main() -> List[str]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=200, max_keepalive_connections=0)) as client:
            results = await asyncio.gather(killer(), *(converse(client, s, f) for s, f in senders.items()))
        return [p for result in results[1:] for p in result]

    problems = asyncio.run(main())
    assert killed_at, "the replica was killed"
    assert killed_at["done"] < len(done), "turns were still being answered after the kill"
    assert cluster.supervisor.children[rasa_name(0)].poll() is not None, "replica 1 stayed dead"
    assert not problems, "\n".join(problems[:10])
    for sender, flow in senders.items():
        stored = user_texts(cluster.tracker(sender, replica=1))
        deduplicated = [t for i, t in enumerate(stored) if i == 0 or t != stored[i - 1]]
        assert deduplicated == [turn.message for turn in FLOWS[flow]], f"{sender}: turns lost or out of order"
        # A turn is stored twice only if it was in flight when the replica died and the client sent it again.
        assert len(stored) - len(deduplicated) <= retried.count(sender)


def test_stopping_a_replica_gracefully_finishes_the_turn_in_flight(cluster: Cluster) -> None:
    """SIGTERM while a turn is in flight: the replica answers it, then exits.

    The turn is held in flight deterministically: the test takes the
    conversation's Redis lock first (as another replica would), so the turn
    waits inside Rasa until the test lets go — after the stop signal was sent.
    """
    import threading

    from rasa.core.lock_store import RedisLockStore

    live = [i for i in range(cluster.layout.replicas) if cluster.supervisor.children[rasa_name(i)].poll() is None]
    assert live, "a replica is running"
    replica = live[-1]
    sender = f"graceful-{uuid.uuid4().hex[:10]}"
    redis_url = httpx.URL(cluster.settings.redis_url)
    locks = RedisLockStore(
        host=redis_url.host,
        port=redis_url.port or 6379,
        db=int(redis_url.path.strip("/") or 0),
        key_prefix=cluster.env["REDIS_KEY_PREFIX"],
    )
    ticket = locks.issue_ticket(sender, lock_lifetime=60)
    stopper = threading.Thread(target=cluster.supervisor.stop, args=([rasa_name(replica)],))

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0)) as client:
            turn = asyncio.create_task(rest_turn(client, cluster.replica_url(replica), sender, "are you a bot?"))
            await asyncio.sleep(2.0)  # the turn is inside Rasa, waiting for the lock
            stopper.start()  # SIGTERM
            await asyncio.sleep(1.5)
            assert not turn.done(), "the turn is still in flight when the replica is asked to stop"
            locks.finish_serving(sender, ticket)
            return await turn

    reply = asyncio.run(main())
    stopper.join(timeout=60)
    assert reply.status_code == 200 and "automated assistant" in texts(reply.json()), "the in-flight turn was answered"
    assert cluster.supervisor.children[rasa_name(replica)].returncode == 0, "the replica then exited cleanly"
