"""Who can make us send a code, where to, how often (finding F4: SMS pumping)."""

from __future__ import annotations

import secrets

import pytest

from bot.privacy.crypto import Indexer
from bot.verification.codes import CodeStore
from bot.verification.limits import DestinationPolicy, Lockouts, SendLimits
from bot.verification.service import StartStatus, VerificationService
from bot.webapp.ratelimit import Limit, MemoryCounter, RedisCounter
from tests.fakes.recording import RecordingNotifier


def build(database, indexer, cipher, clock, *, counter=None, **limits) -> VerificationService:
    counter = counter or MemoryCounter()
    return VerificationService(
        CodeStore(database, indexer, cipher, clock=clock),
        RecordingNotifier(),
        limits=SendLimits(counter, indexer, **limits),
        lockouts=Lockouts(counter, indexer),
    )


def numbers(count: int):
    """Distinct valid US numbers (so only the limit under test can refuse)."""
    return [f"+1202555{100 + i:04d}" for i in range(count)]


@pytest.mark.parametrize("number", ["+448712345678", "+19005551234", "+18005551234", "+447400123456", "+33612345678"])
def test_premium_toll_free_and_foreign_numbers_get_no_code(database, indexer, cipher, clock, number):
    """F4: premium-rate (+44 871, +1 900), toll-free and numbers outside the served countries are refused."""
    service = build(database, indexer, cipher, clock)
    assert service.start_contact_check("sms", number).status is StartStatus.INVALID_CONTACT
    assert service.notifier.sent == []


def test_a_served_country_setting_opens_its_mobile_numbers():
    """F4: the destination policy follows the configured countries and number types."""
    policy = DestinationPolicy(frozenset({"US", "GB"}))
    assert policy.allows("+447400123456") and policy.allows("+12025550100")
    assert not policy.allows("+448712345678") and not policy.allows("+33612345678")


def test_one_conversation_cannot_text_codes_to_many_numbers(database, indexer, cipher, clock):
    """F4: per-conversation limit across destinations."""
    service = build(database, indexer, cipher, clock, per_conversation=Limit(5, 3600))
    results = [service.start_contact_check("sms", n, conversation="web-1").status for n in numbers(7)]
    assert results[:5] == [StartStatus.SENT] * 5
    assert results[5:] == [StartStatus.RATE_LIMITED] * 2
    assert len(service.notifier.sent) == 5
    assert service.start_contact_check("sms", numbers(8)[-1], conversation="web-2").sent


def test_one_client_cannot_text_codes_from_many_conversations(database, indexer, cipher, clock):
    """F4: per-client-address limit, whatever conversation ids the client makes up."""
    service = build(database, indexer, cipher, clock, per_client=Limit(10, 3600))
    results = [
        service.start_contact_check("sms", n, conversation=f"web-{i}", client="client-a").status
        for i, n in enumerate(numbers(12))
    ]
    assert results.count(StartStatus.SENT) == 10 and results[-2:] == [StartStatus.RATE_LIMITED] * 2
    assert service.start_contact_check("sms", numbers(13)[-1], conversation="x", client="client-b").sent


def test_a_global_ceiling_stops_sms_from_everyone(database, indexer, cipher, clock):
    """F4: global limit across conversations and clients."""
    service = build(database, indexer, cipher, clock, global_=Limit(4, 3600))
    results = [
        service.start_contact_check("sms", n, conversation=f"c{i}", client=f"k{i}").status
        for i, n in enumerate(numbers(6))
    ]
    assert results == [StartStatus.SENT] * 4 + [StartStatus.RATE_LIMITED] * 2


def test_one_number_gets_at_most_ten_codes_a_day(database, indexer, cipher, clock):
    """F4: per-destination daily cap on top of 3 an hour."""
    service = build(database, indexer, cipher, clock, per_conversation=Limit(100, 3600))
    sent = 0
    for _hour in range(5):
        for _ in range(3):
            sent += service.start_contact_check("sms", "+12025550100", conversation=f"c{sent}").sent
        clock.advance(minutes=61)
    assert sent == 10


def test_send_limits_are_shared_through_redis(database, indexer, cipher, clock, redis_url):
    """F4: two action-server replicas count one conversation's sends together (Redis)."""
    key = Indexer(secrets.token_urlsafe(32))
    one = RedisCounter.from_url(redis_url, prefix=f"pd:test:{secrets.token_hex(4)}:")
    two = RedisCounter(one._client, one._prefix)
    first = VerificationService(
        CodeStore(database, indexer, cipher, clock=clock),
        RecordingNotifier(),
        limits=SendLimits(one, key, per_conversation=Limit(3, 3600)),
        lockouts=Lockouts(one, key),
    )
    second = VerificationService(
        CodeStore(database, indexer, cipher, clock=clock),
        RecordingNotifier(),
        limits=SendLimits(two, key, per_conversation=Limit(3, 3600)),
        lockouts=Lockouts(two, key),
    )
    statuses = [
        (first if i % 2 else second).start_contact_check("sms", n, conversation="shared").status
        for i, n in enumerate(numbers(4))
    ]
    assert statuses == [StartStatus.SENT] * 3 + [StartStatus.RATE_LIMITED]


class _Unreachable:
    """A counter whose store is down (Redis unreachable)."""

    def hit(self, key, limit):
        raise ConnectionError("redis down")

    peek = hit


def test_without_the_shared_counter_no_sms_goes_out_but_email_does(database, indexer, cipher, clock):
    """F4: limits unavailable → texts (which cost money) are refused; e-mail codes still go."""
    service = build(database, indexer, cipher, clock, counter=_Unreachable())
    assert service.start_contact_check("sms", "+12025550100", conversation="c").status is StartStatus.RATE_LIMITED
    assert service.start_contact_check("email", "ada.demo@example.com", conversation="c").sent
