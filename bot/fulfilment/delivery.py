"""Handing an access package to the requester: an expiring link plus a fresh one-time code.

:meth:`PackageDelivery.publish` stores the package encrypted and sends the
requester (the ticket's verified e-mail or phone) a link holding a random
256-bit token; only a keyed digest of the token is stored.  Opening the link is
not enough: :meth:`~PackageDelivery.send_code` sends a new one-time code to the
same contact (the verification service's codes: 10 minutes, single use, 5
attempts, 3 sends an hour), and :meth:`~PackageDelivery.download` needs it.
Each download uses one of ``max_downloads``; after ``ttl`` the link answers
"gone" and :meth:`~PackageDelivery.purge_expired` (the daily retention job)
deletes the package.  Nothing here logs a token, a code, a contact or a value.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional, Tuple

from sqlalchemy import delete, select, update

from bot.fulfilment.connectors.base import now_utc
from bot.fulfilment.errors import FulfilmentError
from bot.fulfilment.models import FulfilmentPackage
from bot.fulfilment.package import AccessPackage

__all__ = [
    "PackageDelivery",
    "PackageStore",
    "PackageGone",
    "CodeRefused",
    "purge_expired_packages",
    "DEFAULT_TTL",
    "DEFAULT_MAX_DOWNLOADS",
    "LINK_PATH",
]

DEFAULT_TTL = timedelta(days=7)
DEFAULT_MAX_DOWNLOADS = 3
LINK_PATH = "/your-data/"
log = logging.getLogger(__name__)


class PackageGone(FulfilmentError):
    """Unknown, expired or used-up link (one answer for all three: a link tells nothing)."""


class CodeRefused(FulfilmentError):
    """The one-time code is wrong, expired, used or locked; ``result`` says which."""

    def __init__(self, result: str) -> None:
        self.result = result
        super().__init__(f"code {result}")


@dataclass(frozen=True)
class _Found:
    id: str
    channel: str
    contact: str


class PackageDelivery:
    def __init__(
        self,
        database: Any,
        cipher: Any,
        indexer: Any,
        codes: Any,
        notifier: Any,
        *,
        public_url: str,
        clock: Callable[[], datetime] = now_utc,
        ttl: timedelta = DEFAULT_TTL,
        max_downloads: int = DEFAULT_MAX_DOWNLOADS,
    ) -> None:
        self._db = database
        self._cipher = cipher
        self._indexer = indexer
        self._codes = codes
        self._notifier = notifier
        self._public_url = public_url.rstrip("/")
        self._clock = clock
        self.ttl = ttl
        self.max_downloads = max_downloads

    def _digest(self, token: str) -> str:
        return self._indexer.digest("fulfilment-package-link", token)

    def _send(self, channel: str, contact: str, subject: str, body: str) -> None:
        if channel == "email":
            self._notifier.send_email(contact, subject, body)
        else:
            self._notifier.send_sms(contact, body)

    # ---------------------------------------------------------------- agent side

    def publish(
        self, run_id: str, package: AccessPackage, *, channel: str, contact: str, ticket_reference: Optional[str] = None
    ) -> str:
        """Store the package and send the link; returns the token (for tests and the outbox only)."""
        if channel not in ("email", "sms"):
            raise ValueError("channel must be 'email' or 'sms'")
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._db.write.begin() as session:
            session.add(
                FulfilmentPackage(
                    id=uuid.uuid4().hex,
                    token_digest=self._digest(token),
                    run_id=run_id,
                    ticket_reference=ticket_reference,
                    channel=channel,
                    contact_ct=self._cipher.encrypt(contact),
                    package_ct=self._cipher.encrypt_json(
                        {"json": package.json_bytes.decode("utf-8"), "html": package.html}
                    ),
                    downloads_left=self.max_downloads,
                    created_at=now,
                    expires_at=now + self.ttl,
                )
            )
        days = max(1, round(self.ttl / timedelta(days=1)))
        link = f"{self._public_url}{LINK_PATH}{token}"
        self._send(
            channel,
            contact,
            "Your data is ready",
            f"The copy of your personal data you asked for is ready: {link} . The link works for {days} day(s) and "
            f"{self.max_downloads} download(s); we will send a new code to this address when you open it.",
        )
        log.info("fulfilment package published: run=%s channel=%s", run_id, channel)
        return token

    # ---------------------------------------------------------------- requester side

    def _live(self, session: Any, token: str) -> FulfilmentPackage:
        row = session.scalar(select(FulfilmentPackage).where(FulfilmentPackage.token_digest == self._digest(token)))
        if row is None or row.downloads_left <= 0 or self._aware(row.expires_at) <= self._clock():
            raise PackageGone("this link is no longer valid")
        return row

    @staticmethod
    def _aware(value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    def check_link(self, token: str) -> None:
        """Raises :class:`PackageGone` unless the link can still be used."""
        with self._db.read() as session:
            self._live(session, token)

    def send_code(self, token: str) -> Optional[str]:
        """Send a fresh code to the package's contact; the challenge id, or ``None`` when the send limit is reached."""
        with self._db.read() as session:
            row = self._live(session, token)
            found = _Found(row.id, row.channel, self._cipher.decrypt(row.contact_ct))
        issued = self._codes.issue(found.channel, found.contact)
        challenge_id = getattr(issued, "challenge_id", None)
        if challenge_id is None:
            return None
        with self._db.write.begin() as session:
            session.execute(
                update(FulfilmentPackage).where(FulfilmentPackage.id == found.id).values(challenge_id=challenge_id)
            )
        self._send(
            found.channel,
            found.contact,
            "Your code",
            f"Your code to download your data: {issued.code}. It expires in 10 minutes.",
        )
        return challenge_id

    def download(self, token: str, challenge_id: str, code: str, fmt: str = "json") -> Tuple[bytes, str]:
        """The package (``json`` or ``html``) for the right code; uses one download."""
        with self._db.read() as session:
            row = self._live(session, token)
            package_id, expected = row.id, row.challenge_id
        if not expected or not secrets.compare_digest(str(challenge_id), expected):
            raise CodeRefused("no_challenge")
        result = self._codes.check(challenge_id, code)
        if getattr(result, "value", result) != "ok":
            raise CodeRefused(getattr(result, "value", str(result)))
        now = self._clock()
        with self._db.write.begin() as session:
            taken = session.execute(
                update(FulfilmentPackage)
                .where(
                    FulfilmentPackage.id == package_id,
                    FulfilmentPackage.downloads_left > 0,
                    FulfilmentPackage.expires_at > now,
                )
                .values(downloads_left=FulfilmentPackage.downloads_left - 1, challenge_id=None)
            ).rowcount
            if taken != 1:
                raise PackageGone("this link is no longer valid")
            stored = session.scalar(select(FulfilmentPackage.package_ct).where(FulfilmentPackage.id == package_id))
        content = self._cipher.decrypt_json(stored)
        log.info("fulfilment package downloaded: format=%s", "html" if fmt == "html" else "json")
        if fmt == "html":
            return content["html"].encode("utf-8"), "text/html; charset=utf-8"
        return content["json"].encode("utf-8"), "application/json"

    def purge_expired(self) -> int:
        """Delete packages past their expiry or with no download left."""
        return purge_expired_packages(self._db, self._clock())


class PackageStore:
    """The access packages behind expiring links, as the retention run sweeps them."""

    def __init__(self, database: Any) -> None:
        self._db = database

    def purge(self, cutoff: datetime) -> int:
        """Delete packages expired by ``cutoff`` or with no download left (:class:`~bot.storage.sweep.Purgeable`)."""
        return purge_expired_packages(self._db, cutoff)


def purge_expired_packages(database: Any, now: Optional[datetime] = None) -> int:
    """Delete every package past its expiry or with no download left (the daily retention run)."""
    now = now or now_utc()
    with database.write.begin() as session:
        return session.execute(
            delete(FulfilmentPackage).where(
                (FulfilmentPackage.expires_at <= now) | (FulfilmentPackage.downloads_left <= 0)
            )
        ).rowcount
