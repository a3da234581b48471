"""Fixtures for the request flows: a migrated SQLite database with the real ticket store,
verification service (codes go to the local outbox) and the demo customer directory."""

from __future__ import annotations

import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.notify.outbox import Outbox, OutboxNotifier
from bot.privacy.crypto import DataCipher, Indexer, generate_key
from bot.storage.db import Database, init_db
from bot.storage.migrate import upgrade
from bot.tickets import TicketService
from bot.verification import VerificationService
from bot.verification.codes import CodeStore
from bot.verification.directory import SqlCustomerDirectory


@dataclass
class Backend:
    database: Database
    tickets: TicketService
    verification: VerificationService
    outbox: Outbox

    def last_code(self, to: str, wait_s: float = 2.0) -> str:
        """The code in the newest message to ``to`` (status checks deliver in the background: wait a little)."""
        deadline = time.monotonic() + wait_s
        message = self.outbox.latest(to=to)
        while message is None and time.monotonic() < deadline:
            time.sleep(0.02)
            message = self.outbox.latest(to=to)
        assert message is not None, "no message was sent"
        return re.search(r"\b(\d{6})\b", message.body).group(1)


@pytest.fixture(scope="session")
def requests_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("requests-template") / "pd.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def backend(requests_db_template: Path, tmp_path: Path) -> Backend:
    path = tmp_path / "pd.db"
    shutil.copy(requests_db_template, path)
    database = init_db(f"sqlite:///{path}")
    cipher = DataCipher([generate_key()])
    indexer = Indexer(secrets.token_urlsafe(32))
    outbox = Outbox(database, cipher, indexer)
    directory = SqlCustomerDirectory(database, cipher, indexer)
    directory.seed()
    verification = VerificationService(CodeStore(database, indexer, cipher), OutboxNotifier(outbox), directory)
    tickets = TicketService(database, cipher, indexer)
    try:
        yield Backend(database, tickets, verification, outbox)
    finally:
        database.dispose()


@pytest.fixture
def cipher() -> DataCipher:
    """The key the Twilio channels seal the channel-confirmed phone with (and actions open it with)."""
    return DataCipher([generate_key()])


@pytest.fixture(autouse=True)
def services(backend: Backend, cipher: DataCipher):
    """The actions' services: the real ticket store and verification over this test's database."""
    from actions.privacy_requests.services import RequestServices, set_services

    set_services(RequestServices(backend.tickets, backend.verification, 2, cipher))
    yield
    set_services(None)
