"""One production-profile cluster (2 replicas + nginx) for the scale proofs.

It runs on a fresh PostgreSQL database (``postgres_url``) and its own Redis key
prefix.  Tests that kill or restart processes heal the cluster before the next
test (``cluster.heal()``), so the order of tests does not matter for correctness.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.settings import PROJECT_ROOT
from tests.conftest import make_environ
from tests.integration.scale.cluster import Cluster, start_cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, postgres_url: str, redis_url: str) -> Iterator[Cluster]:
    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        pytest.fail("no trained model: run 'make test' (it trains first) or 'make train'")
    base = tmp_path_factory.mktemp("cluster")
    redis_base, _, _ = redis_url.rpartition("/")
    # Load through one conversation and the concurrency proofs measure the cluster, not the
    # channel limiter (its limits are proven by tests/unit/channels and the edge stack tests).
    environ = make_environ(
        base / "var",
        DATABASE_URL=postgres_url,
        REDIS_URL=f"{redis_base}/13",
        CHANNEL_RATE_PER_CONVERSATION="100000/60",
        CHANNEL_RATE_GLOBAL="1000000/60",
    )
    running = start_cluster(base, environ, replicas=2)
    try:
        yield running
    finally:
        running.supervisor.stop_all()


@pytest.fixture
def healthy_cluster(cluster: Cluster) -> Cluster:
    """The cluster with every process running and ready (restarts what a previous test killed)."""
    cluster.heal()
    return cluster
