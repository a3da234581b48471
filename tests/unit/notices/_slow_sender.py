"""A notice sender process that writes each outbox message slowly (the kill test stops it mid-batch).

Run: ``python -m tests.unit.notices._slow_sender`` with ``NOTICE_TEST_URL``, ``NOTICE_TEST_DATA_KEY``,
``NOTICE_TEST_INDEX_KEY`` in the environment.
"""

from __future__ import annotations

import os
import time

from bot.notices import NoticeSender
from bot.notify.outbox import Outbox, OutboxNotifier
from bot.privacy.crypto import DataCipher, Indexer
from bot.storage.db import init_db


class SlowOutbox(Outbox):
    def add_in(self, session, channel, to, subject, body):  # type: ignore[no-untyped-def]
        message_id = super().add_in(session, channel, to, subject, body)
        session.flush()
        time.sleep(float(os.environ.get("NOTICE_TEST_DELAY", "0.3")))  # the kill lands inside the transaction
        return message_id


def main() -> None:
    database = init_db(os.environ["NOTICE_TEST_URL"])
    cipher = DataCipher([os.environ["NOTICE_TEST_DATA_KEY"]])
    outbox = SlowOutbox(database, cipher, Indexer(os.environ["NOTICE_TEST_INDEX_KEY"]))
    sender = NoticeSender(database, cipher, OutboxNotifier(outbox))
    while sender.run_once(limit=100).handled:
        pass


if __name__ == "__main__":
    main()
