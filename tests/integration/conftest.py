"""The running stack, shared by every end-to-end test in a session (Rasa takes ~20 s to start)."""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.settings import PROJECT_ROOT
from tests.conftest import make_environ
from tests.integration.stack import Stack, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        pytest.fail("no trained model: run 'make test' (it trains first) or 'make train'")
    base = tmp_path_factory.mktemp("stack")
    # Small per-client limits so the limit tests are quick; they apply only to clients named by a
    # proxy's X-Forwarded-For (loopback callers — every other test — have no per-client limit).
    # The per-conversation limit is proven by the channel unit tests; here it is raised so that
    # long conversations (200 garbage messages in one) measure answers, not the limiter.
    # Likewise the five demo customers receive codes from many tests in one session: the per-destination
    # code limits are proven by tests/unit/verification, not by running out of demo customers here.
    limits = {
        "CHANNEL_RATE_PER_CLIENT": "8/60",
        "CHANNEL_RATE_PER_CONVERSATION": "1000/60",
        "CODE_SEND_LIMIT_DESTINATION": "100/3600",
        "CODE_SEND_LIMIT_DESTINATION_DAILY": "1000/86400",
    }
    running = start_stack(base, make_environ(base / "var", **limits))
    try:
        yield running
    finally:
        assert running.supervisor is not None
        running.supervisor.stop_all()
