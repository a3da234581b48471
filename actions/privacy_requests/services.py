"""The domain services the request actions call, built once per process on first use.

Nothing is built at import: the first action that needs the ticket store or
verification builds both from :func:`bot.settings.load_settings` (sharing one
database engine).  Tests inject their own with :func:`set_services`.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

from bot.privacy.crypto import DataCipher
from bot.services import Services
from bot.settings import load_settings
from bot.tickets import TicketService
from bot.verification import VerificationService

__all__ = ["RequestServices", "get_services", "built_services", "set_services", "blocking"]

T = TypeVar("T")


@dataclass
class RequestServices:
    tickets: TicketService
    verification: VerificationService
    #: Business days within which an agent replies to an escalation (``ESCALATION_REPLY_BUSINESS_DAYS``).
    escalation_reply_days: int = 2
    #: ``DATA_KEYS`` cipher, to read a channel-confirmed phone (``bot.channels.contact``).
    cipher: Optional[DataCipher] = None
    #: Queues the requester's notices (:class:`bot.notices.NoticeService`); None: no notices.
    notices: Any = None


_lock = threading.Lock()
_services: Optional[RequestServices] = None


def _build() -> RequestServices:
    settings = load_settings()
    services = Services.from_settings(settings)
    return RequestServices(
        services.tickets,
        services.verification,
        settings.escalation_reply_business_days,
        services.cipher,
        services.notices,
    )


def get_services_blocking() -> RequestServices:
    global _services
    with _lock:
        if _services is None:
            _services = _build()
        return _services


async def get_services() -> RequestServices:
    """The process's services (built off the event loop on first use).  Raises if the store is unusable."""
    if _services is not None:
        return _services
    return await asyncio.to_thread(get_services_blocking)


def built_services() -> Optional[RequestServices]:
    """The process's services if already built, else ``None`` (never builds: safe on the event loop)."""
    return _services


def set_services(services: Optional[RequestServices]) -> None:
    """Use ``services`` in this process (tests); ``None`` forgets them so the next call builds again."""
    global _services
    with _lock:
        _services = services


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking domain call (database, SMTP, Twilio) off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)
