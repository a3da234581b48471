"""The API rate limiter's pieces: fixed windows, settings, and the order of checks (no Redis, no app)."""

from __future__ import annotations

import secrets
from typing import List, Optional

import pytest

from bot.privacy.crypto import Indexer
from bot.settings import SettingsError, settings_from_environ
from bot.webapp.ratelimit import ApiRateLimits, Limit, MemoryCounter
from tests.conftest import make_environ


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Agent:
    actor = "agent:alice"


def limiter(clock: Clock, token_limit: Limit = Limit(3, 60), failure_limit: Limit = Limit(2, 300)) -> ApiRateLimits:
    return ApiRateLimits(MemoryCounter(clock), Indexer(secrets.token_urlsafe(32)), token_limit, failure_limit)


def test_the_window_refuses_the_hit_after_the_limit_and_says_when_it_ends():
    clock = Clock()
    counter, limit = MemoryCounter(clock), Limit(3, 60)
    assert [counter.hit("k", limit).allowed for _ in range(4)] == [True, True, True, False]
    clock.now += 20.2
    refused = counter.hit("k", limit)
    assert not refused.allowed and refused.retry_after == 40


def test_the_window_resets_after_its_length():
    clock = Clock()
    counter, limit = MemoryCounter(clock), Limit(2, 10)
    counter.hit("k", limit), counter.hit("k", limit)
    assert not counter.hit("k", limit).allowed
    clock.now += 10
    assert counter.hit("k", limit).hits == 1 and counter.peek("k", limit).hits == 1


def test_separate_keys_have_separate_windows():
    counter, limit = MemoryCounter(Clock()), Limit(1, 60)
    assert counter.hit("a", limit).allowed and not counter.hit("a", limit).allowed
    assert counter.hit("b", limit).allowed


def test_a_full_table_of_live_windows_drops_the_oldest_instead_of_growing():
    clock = Clock()
    counter, limit = MemoryCounter(clock, max_keys=100), Limit(5, 60)
    for i in range(250):
        clock.now += 0.01
        counter.hit(f"k{i}", limit)
    assert len(counter._windows) <= 100 and counter.peek("k249", limit).hits == 1


@pytest.mark.parametrize("raw", ["300", "0/60", "10/0", "ten/60", "5/100000", "-1/60", "3/6/9"])
def test_malformed_limits_are_startup_errors_naming_the_variable(tmp_path, raw):
    with pytest.raises(SettingsError, match="API_RATE_LIMIT must be COUNT/SECONDS"):
        settings_from_environ(make_environ(tmp_path, API_RATE_LIMIT=raw))


def test_limits_default_when_unset_and_come_from_the_settings(tmp_path):
    limits = ApiRateLimits.from_settings(settings_from_environ(make_environ(tmp_path)), MemoryCounter(Clock()))
    assert (limits.token_limit, limits.failure_limit) == (Limit(300, 60), Limit(20, 300))
    configured = settings_from_environ(make_environ(tmp_path, API_RATE_LIMIT="7/30", API_AUTH_FAILURE_LIMIT="4/90"))
    limits = ApiRateLimits.from_settings(configured, MemoryCounter(Clock()))
    assert (limits.token_limit, limits.failure_limit) == (Limit(7, 30), Limit(4, 90))


def test_each_token_has_its_own_limit():
    limits = limiter(Clock())
    auth = lambda token: Agent()  # noqa: E731 - every token is valid here
    results = [limits.authenticate(auth, "pdt_one", "203.0.113.5").limited for _ in range(4)]
    assert results == [False, False, False, True]
    assert not limits.authenticate(auth, "pdt_two", "203.0.113.5").limited


def test_failed_authentications_block_the_address_before_the_token_is_looked_up():
    clock = Clock()
    limits = limiter(clock)
    looked_up: List[Optional[str]] = []

    def auth(token: str):
        looked_up.append(token)
        return Agent() if token == "pdt_good" else None

    assert limits.authenticate(auth, "pdt_bad", "203.0.113.7") == limits.authenticate(
        auth, None, "203.0.113.7"
    )  # 401, 401
    blocked = limits.authenticate(auth, "pdt_good", "203.0.113.7")
    assert blocked.limited and blocked.retry_after == 300 and looked_up == ["pdt_bad"]
    assert not limits.authenticate(auth, "pdt_good", "198.51.100.1").limited  # another address is unaffected
    clock.now += 300
    assert limits.authenticate(auth, "pdt_good", "203.0.113.7").agent is not None


def test_loopback_peers_are_not_blocked_by_address_only_by_token():
    limits = limiter(Clock())
    for _ in range(5):
        assert not limits.authenticate(lambda token: None, "pdt_bad", "127.0.0.1").limited
    assert limits.authenticate(lambda token: Agent(), "pdt_good", "127.0.0.1").agent is not None


def test_an_unreachable_counter_lets_requests_through_and_still_authenticates():
    class Broken:
        def hit(self, key, limit):
            raise ConnectionError("down")

        peek = hit

    limits = ApiRateLimits(Broken(), Indexer(secrets.token_urlsafe(32)), Limit(1, 60), Limit(1, 60))
    assert limits.authenticate(lambda token: Agent(), "pdt_x", "203.0.113.9").agent is not None
    assert limits.authenticate(lambda token: None, "pdt_y", "203.0.113.9").agent is None


def test_keys_hold_digests_never_the_token_or_the_address():
    clock = Clock()
    limits = limiter(clock)
    limits.authenticate(lambda token: None, "pdt_secret_token_value", "203.0.113.77")
    limits.authenticate(lambda token: Agent(), "pdt_secret_token_value", "198.51.100.77")
    keys = " ".join(limits.counter._windows)
    assert "pdt_secret" not in keys and "203.0.113.77" not in keys and "198.51.100.77" not in keys
