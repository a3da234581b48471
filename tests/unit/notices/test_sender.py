"""Each notice is delivered exactly once: across killed senders, racing senders, retries and callbacks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import List

import pytest

from bot.notices import NoticeKind, NoticeSender, NoticeState
from bot.notify.outbox import OutboxNotifier
from bot.notify.types import Delivery, DeliveryStatus, MessageChannel
from bot.settings import PROJECT_ROOT
from tests.unit.notices.conftest import Desk, make_desk

REFERENCE = re.compile(r"PD-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _queue(desk: Desk, count: int) -> List[str]:
    references = []
    for _ in range(count):
        ticket = desk.file()
        desk.notices.queue(ticket.reference, NoticeKind.FILED)
        references.append(ticket.reference)
    return references


def _outbox_references(desk: Desk) -> Counter:
    """How many outbox messages each reference got (one reference per message)."""
    return Counter(REFERENCE.search(m.body).group(0) for m in desk.outbox.list(limit=1000))  # type: ignore[union-attr]


class RecordingNotifier:
    """A provider double: records every send; answers with the scripted outcomes, then success."""

    def __init__(self, *outcomes: Delivery) -> None:
        self.sent: List[str] = []
        self._outcomes = list(outcomes)
        self._lock = threading.Lock()

    def send_email(self, to: str, subject: str, body: str) -> Delivery:
        with self._lock:
            self.sent.append(subject)
            if self._outcomes:
                return self._outcomes.pop(0)
            return Delivery(MessageChannel.EMAIL, DeliveryStatus.SENT, message_id=f"msg-{len(self.sent)}")

    def send_sms(self, to: str, body: str) -> Delivery:
        with self._lock:
            self.sent.append(body)
            return Delivery(MessageChannel.SMS, DeliveryStatus.SENT, message_id=f"SM{len(self.sent):032d}")


def test_a_sender_killed_mid_batch_leaves_every_notice_sent_exactly_once(desk: Desk, db_url: str) -> None:
    references = _queue(desk, 8)
    env = dict(
        os.environ,
        NOTICE_TEST_URL=db_url,
        NOTICE_TEST_DATA_KEY=desk.data_key,
        NOTICE_TEST_INDEX_KEY=desk.index_key,
        NOTICE_TEST_DELAY="0.4",
    )
    child = subprocess.Popen(  # noqa: S603 - our own fixed command
        [sys.executable, "-m", "tests.unit.notices._slow_sender"], cwd=str(PROJECT_ROOT), env=env
    )
    try:
        deadline = time.monotonic() + 60
        while len(desk.outbox.list()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # inside the next notice's transaction
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    before = len(desk.outbox.list())
    assert 2 <= before < len(references), "the kill must land mid-batch"
    desk.sender().run_once(limit=100)
    assert _outbox_references(desk) == Counter({reference: 1 for reference in references})
    assert {n.state for r in references for n in desk.notices.for_ticket(r)} == {NoticeState.SENT}


def test_two_senders_racing_on_postgresql_deliver_each_notice_once(postgres_url: str) -> None:
    from tests.unit.console.support import postgres_schema

    with postgres_schema(postgres_url) as url:
        desk = make_desk(url)
        try:
            references = _queue(desk, 30)
            providers = [RecordingNotifier(), RecordingNotifier()]
            senders = [
                desk.sender(providers[0], worker_id="a"),
                desk.sender(providers[1], worker_id="b"),
                desk.sender(worker_id="c"),
                desk.sender(worker_id="d"),
            ]
            # Two provider senders race each other, two outbox senders race each other: every notice once.
            barrier = threading.Barrier(len(senders))

            def run(sender: NoticeSender) -> None:
                barrier.wait()
                sender.run_once(limit=100)

            threads = [threading.Thread(target=run, args=(s,)) for s in senders]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            provider_subjects = providers[0].sent + providers[1].sent
            outbox_count = len(desk.outbox.list(limit=1000))
            assert len(provider_subjects) + outbox_count == len(references)
            assert len(set(provider_subjects)) == len(provider_subjects)
            delivered = Counter(REFERENCE.search(s).group(0) for s in provider_subjects) + _outbox_references(desk)  # type: ignore[union-attr]
            assert delivered == Counter({reference: 1 for reference in references})
        finally:
            desk.database.dispose()


def test_a_temporary_smtp_failure_is_retried_with_back_off_then_sent(desk: Desk) -> None:
    _queue(desk, 1)
    provider = RecordingNotifier(Delivery(MessageChannel.EMAIL, DeliveryStatus.FAILED, error="smtp_451"))
    sender = desk.sender(provider, backoff=timedelta(seconds=30))
    assert sender.run_once().retried == 1
    assert sender.run_once().handled == 0  # not due yet
    desk.clock.advance(seconds=31)
    assert sender.run_once().sent == 1 and len(provider.sent) == 2


def test_a_permanent_failure_shows_as_failed_on_the_ticket_and_in_the_queue(desk: Desk) -> None:
    reference = _queue(desk, 1)[0]
    provider = RecordingNotifier(Delivery(MessageChannel.EMAIL, DeliveryStatus.FAILED, error="smtp_550"))
    assert desk.sender(provider).run_once().failed == 1
    notice = desk.notices.for_ticket(reference)[0]
    assert notice.state is NoticeState.FAILED and notice.error == "smtp_550"
    assert [n.reference for n in desk.notices.failed()] == [reference]


def test_a_notice_whose_sender_died_during_the_provider_call_is_never_sent_twice(desk: Desk) -> None:
    reference = _queue(desk, 1)[0]

    class Dying(RecordingNotifier):
        def send_email(self, to: str, subject: str, body: str) -> Delivery:
            super().send_email(to, subject, body)
            raise SystemExit  # the process ends between the provider's answer and our record

    with pytest.raises(SystemExit):
        desk.sender(Dying(), lease=timedelta(minutes=5)).run_once()
    survivor = RecordingNotifier()
    desk.clock.advance(minutes=6)
    assert desk.sender(survivor).run_once().interrupted == 1
    assert survivor.sent == []
    assert desk.notices.for_ticket(reference)[0].error == "interrupted"


def test_twilio_status_callbacks_move_a_sent_sms_to_delivered_or_failed(desk: Desk) -> None:
    from bot.tickets import Channel, VerificationMethod

    first = desk.file(channel=Channel.SMS, method=VerificationMethod.SMS_CODE)
    second = desk.file(channel=Channel.SMS, method=VerificationMethod.SMS_CODE)
    for ticket in (first, second):
        desk.notices.queue(ticket.reference, NoticeKind.FILED)
    sender = desk.sender(RecordingNotifier())
    sender.run_once()
    assert desk.notices.record_provider_status("SM" + "1".zfill(32), "delivered")
    assert desk.notices.record_provider_status("SM" + "2".zfill(32), "undelivered", "30003")
    assert not desk.notices.record_provider_status("SM" + "2".zfill(32), "delivered")  # final states stay
    states = {t.reference: desk.notices.for_ticket(t.reference)[0] for t in (first, second)}
    assert states[first.reference].state is NoticeState.DELIVERED
    assert states[second.reference].state is NoticeState.FAILED and states[second.reference].error == "twilio_30003"


def test_an_sms_to_a_number_that_opted_out_is_not_sent(desk: Desk) -> None:
    from bot.notify.optouts import OptOutRegistry
    from bot.privacy.crypto import Indexer
    from bot.tickets import Channel, VerificationMethod

    ticket = desk.file(channel=Channel.SMS, method=VerificationMethod.SMS_CODE)
    desk.notices.queue(ticket.reference, NoticeKind.FILED)
    optouts = OptOutRegistry(desk.database, Indexer(desk.index_key))
    optouts.opt_out("+14155550123", source="keyword")
    desk.outbox._indexer = Indexer(desk.index_key)  # the same index key as the registry
    assert desk.sender(OutboxNotifier(desk.outbox, optouts)).run_once().failed == 1
    assert desk.outbox.list() == []
    assert desk.notices.for_ticket(ticket.reference)[0].state is NoticeState.OPTED_OUT


def test_rotated_keys_still_deliver_a_queued_notice_and_the_old_key_can_go(desk: Desk) -> None:
    from bot.notices.service import rotate_notice_keys
    from bot.notify.outbox import Outbox
    from bot.privacy.crypto import DataCipher, Indexer, generate_key

    _queue(desk, 1)
    new_key = generate_key()
    assert rotate_notice_keys(desk.database, DataCipher([new_key, desk.data_key])) == 1
    only_new = DataCipher([new_key])
    outbox = Outbox(desk.database, only_new, Indexer(desk.index_key), clock=desk.clock)
    sender = NoticeSender(desk.database, only_new, OutboxNotifier(outbox), clock=desk.clock)
    assert sender.run_once().sent == 1


def test_the_daily_purge_drops_finished_notices_past_ticket_retention_and_keeps_queued_ones(desk: Desk) -> None:
    from bot.notices.service import purge_notices

    sent, waiting = _queue(desk, 2)
    desk.sender().run_once(limit=1)
    desk.clock.advance(days=731)
    assert purge_notices(desk.database, timedelta(days=730), clock=desk.clock) == 1
    assert desk.notices.for_ticket(sent) == [] and len(desk.notices.for_ticket(waiting)) == 1
