"""The composition root: every service of a process, built once from settings.

``Services.from_settings(settings)`` opens the database and builds the cipher
and the blind indexer at once; every domain service is built on first use (so
the Rasa process never touches tables it does not serve) and then kept.  The
adapters take what they need from it: the actions
(``actions/privacy_requests/services.py``), the web app (``bot/webapp/auth.py``),
the Twilio channels (``bot/channels/twilio_common.py``) and the jobs
(``bot/jobs/``).  Nothing here runs at import.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import List, Optional

from bot.clock import Clock, utcnow
from bot.company import default_jurisdiction, policy_in_force
from bot.console.accounts import AccountService
from bot.console.workflow import CaseWork
from bot.fulfilment.delivery import PackageStore
from bot.fulfilment.store import ACCESS_RUN_KEEP, RunIdentities
from bot.notices import NoticeSender, NoticeService
from bot.notify import Notifier, OptOutRegistry, Outbox, build_notifier
from bot.privacy.conversations import ConversationRecords
from bot.privacy.crypto import DataCipher, Indexer
from bot.settings import Settings, load_settings
from bot.storage.db import Database, init_db
from bot.storage.sweep import PurgeStep, RotateStep
from bot.tickets import DeadlineRules, TicketService
from bot.verification import VerificationService
from bot.verification.codes import CHALLENGE_KEEP, CodeStore
from bot.verification.maintenance import VerificationTables

__all__ = ["Services"]


@dataclass
class Services:
    """One process's services.  Build with :meth:`from_settings`; call :meth:`close` at shutdown."""

    settings: Settings
    database: Database
    cipher: DataCipher
    indexer: Indexer
    clock: Clock = utcnow
    #: ``verify`` for the ticket store: check at first use that ``DATA_KEYS`` reads the stored tickets.
    verify_keys: bool = True
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def from_settings(
        cls,
        settings: Optional[Settings] = None,
        *,
        database: Optional[Database] = None,
        clock: Clock = utcnow,
        verify_keys: bool = True,
    ) -> "Services":
        """Open the database (or share ``database``) and build the cipher and indexer."""
        settings = settings or load_settings()
        return cls(
            settings=settings,
            database=database or init_db(settings),
            cipher=DataCipher(list(settings.data_keys)),
            indexer=Indexer(settings.index_key),
            clock=clock,
            verify_keys=verify_keys,
        )

    @cached_property
    def tickets(self) -> TicketService:
        """The ticket store; with ``verify_keys``, raises at first use when ``DATA_KEYS`` cannot read it."""
        with self._lock:
            service = TicketService(
                self.database,
                self.cipher,
                self.indexer,
                DeadlineRules.from_settings(self.settings, default_jurisdiction()),
                clock=self.clock,
                retention=timedelta(days=self.settings.ticket_retention_days),
                conversation_eraser=self.conversations,
                policy_version=policy_in_force,
            )
            if self.verify_keys:
                service.verify_keys()
            return service

    @cached_property
    def notifier(self) -> Notifier:
        """Outbox locally, Twilio SMS + SMTP in production; both honour SMS opt-outs."""
        with self._lock:
            return build_notifier(self.settings, self.database)

    @cached_property
    def verification(self) -> VerificationService:
        with self._lock:
            return VerificationService.from_settings(self.settings, database=self.database, notifier=self.notifier)

    @cached_property
    def accounts(self) -> AccountService:
        with self._lock:
            return AccountService(self.database, clock=self.clock)

    @cached_property
    def work(self) -> CaseWork:
        with self._lock:
            return CaseWork(self.tickets, self.notifier, self.notices)

    @cached_property
    def notices(self) -> NoticeService:
        """Queues the requester's notices (filed, documents, extended, closed) and reads their state."""
        with self._lock:
            return NoticeService(self.database, self.cipher, self.tickets, clock=self.clock)

    @cached_property
    def notice_sender(self) -> NoticeSender:
        """Delivers queued notices exactly once (``privacy-desk notices send``)."""
        with self._lock:
            return NoticeSender(
                self.database, self.cipher, self.notifier, clock=self.clock, on_sent=self._acknowledge_receipt
            )

    def _acknowledge_receipt(self, reference: str, kind: str) -> None:
        """The filed (or, for a parental request, documents) notice left: receipt is acknowledged (CCPA 7021(a))."""
        if kind in ("filed", "documents"):
            self.tickets.acknowledge(reference, actor="system:notices")

    @cached_property
    def outbox(self) -> Optional[Outbox]:
        """The local outbox reader in the local profile, else None."""
        with self._lock:
            return Outbox(self.database, self.cipher, self.indexer) if self.settings.outbox_enabled else None

    @cached_property
    def optouts(self) -> OptOutRegistry:
        with self._lock:
            return OptOutRegistry(self.database, self.indexer)

    @cached_property
    def conversations(self) -> ConversationRecords:
        """The assistant's own conversation records (the tracker store's database)."""
        with self._lock:
            return ConversationRecords.from_settings(self.settings)

    def purge_steps(self) -> List[PurgeStep]:
        """Every store the daily retention run sweeps, with how long each keeps rows (edge stores are added by the job)."""
        conversation_keep = timedelta(days=self.settings.conversation_retention_days)
        ticket_keep = timedelta(days=self.settings.ticket_retention_days)
        return [
            PurgeStep("conversations", conversation_keep, self.conversations, audit_key="e"),
            PurgeStep("tickets", ticket_keep, self.tickets, audit_key="t"),
            # Challenges expire in minutes: a day covers their send windows (the store keeps at least those).
            PurgeStep("verification-codes", CHALLENGE_KEEP, CodeStore(self.database, self.indexer, self.cipher)),
            # Access packages behind expiring links: deleted once expired or used up.
            PurgeStep("fulfilment-packages", timedelta(0), PackageStore(self.database)),
            PurgeStep("fulfilment-access-runs", ACCESS_RUN_KEEP, RunIdentities(self.database, self.cipher)),
            # Notices hold the requester's contact: kept as long as the tickets they are about.
            PurgeStep("notices", ticket_keep, self.notices),
        ]

    def rotate_steps(self) -> List[RotateStep]:
        """Every store holding ciphertext under ``DATA_KEYS`` (``privacy-desk rotate-keys``)."""
        return [
            RotateStep("tickets", self.tickets),
            # The conversation table (Rasa's tracker store) shares DATA_KEYS too.
            RotateStep("conversations", self.conversations),
            # Verification challenges, demo customers and the outbox.
            RotateStep("verification", VerificationTables(self.database)),
            # Fulfilment runs keep the requester's resolved identities.
            RotateStep("fulfilment-runs", RunIdentities(self.database, self.cipher)),
            # Notices keep the recipient and the rendered texts.
            RotateStep("notices", self.notices),
        ]

    def close(self) -> None:
        """Release the database connections (and the conversation database's, if opened)."""
        if "conversations" in self.__dict__:
            self.conversations.dispose()
        self.database.dispose()
