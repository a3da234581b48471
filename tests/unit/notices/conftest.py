"""A migrated database (SQLite, and PostgreSQL where it runs) with the ticket store, the
local outbox and the notice service, and helpers to file verified tickets."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Iterator

import pytest

from bot.console.account_types import AgentView
from bot.console.workflow import CaseWork
from bot.notices import NoticeSender, NoticeService
from bot.notify.outbox import Outbox, OutboxNotifier
from bot.privacy.crypto import DataCipher, Indexer, generate_key
from bot.storage.db import Database, init_db
from bot.tickets import (
    Channel,
    Kind,
    PersonalData,
    Status,
    TicketService,
    TicketView,
    Verification,
    VerificationLevel,
    VerificationMethod,
)
from tests.unit.console.conftest import db_url  # noqa: F401 - SQLite and PostgreSQL, migrated
from tests.unit.console.support import FakeClock

#: Personal data that must never appear in a notice (the canary).
CANARY = PersonalData(
    requester_name="Zebulon Canaryfield",
    email="zebulon.canary@example.org",
    phone="+14155550123",
    date_of_birth=None,
    details="canary-detail-7731",
)


@dataclass
class Desk:
    database: Database
    cipher: DataCipher
    tickets: TicketService
    outbox: Outbox
    notices: NoticeService
    clock: FakeClock
    data_key: str = ""
    index_key: str = ""

    def sender(self, notifier: object = None, **kwargs: object) -> NoticeSender:
        return NoticeSender(
            self.database, self.cipher, notifier or OutboxNotifier(self.outbox), clock=self.clock, **kwargs
        )  # type: ignore[arg-type]

    def work(self) -> CaseWork:
        return CaseWork(self.tickets, OutboxNotifier(self.outbox), self.notices)

    def file(
        self,
        kind: Kind = Kind.DELETION,
        channel: Channel = Channel.WEB,
        method: VerificationMethod = VerificationMethod.EMAIL_CODE,
        status: Status = Status.VERIFIED,
        personal: PersonalData = CANARY,
    ) -> TicketView:
        level = VerificationLevel.NONE if method is VerificationMethod.NONE else VerificationLevel.REASONABLE
        return self.tickets.create(
            kind=kind,
            channel=channel,
            idempotency_key=secrets.token_hex(8),
            personal=personal,
            status=status,
            verification=Verification(method=method, level=level, data_points=("email", "date_of_birth")),
        ).ticket


def agent(name: str = "alice") -> AgentView:
    return AgentView(id=1, username=name, role="agent", created_at=FakeClock()(), disabled=False, last_login_at=None)


def make_desk(url: str) -> Desk:
    database = init_db(url)
    data_key, index_key = generate_key(), secrets.token_urlsafe(32)
    cipher = DataCipher([data_key])
    indexer = Indexer(index_key)
    clock = FakeClock()
    tickets = TicketService(database, cipher, indexer, clock=clock)
    outbox = Outbox(database, cipher, indexer, clock=clock)
    notices = NoticeService(database, cipher, tickets, clock=clock)
    return Desk(database, cipher, tickets, outbox, notices, clock, data_key, index_key)


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:  # noqa: F811 - the fixture imported above
    built = make_desk(db_url)
    try:
        yield built
    finally:
        built.database.dispose()
