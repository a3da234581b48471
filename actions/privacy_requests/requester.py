"""Who is asking, for the code send limits: the conversation and (when the channel knew it) the client.

Validation actions send codes deep inside ``validate_<slot>`` helpers that never
see the tracker; :class:`~actions.privacy_requests.forms.PrivacyFormValidation`
records the requester of the run it is executing here (a context variable: each
action run is its own asyncio task, and ``asyncio.to_thread`` carries it into
the worker thread), and the helpers pass :func:`current` on to the domain.

The client is a keyed digest of the client address that a channel put in the
message metadata (``bot.verification.limits.CLIENT_METADATA_KEY``), or the phone
number an SMS/call came from (sealed in metadata by the Twilio channels); channels
drop client-supplied metadata, so a user cannot set either.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Dict, Optional

from rasa_sdk import Tracker

from actions.privacy_requests.services import built_services
from bot.channels.contact import confirmed_contact
from bot.verification.limits import CLIENT_METADATA_KEY

__all__ = ["of", "bind", "current"]

_CURRENT: ContextVar[Dict[str, Optional[str]]] = ContextVar("requester")


def of(tracker: Tracker) -> Dict[str, Optional[str]]:
    """``{"conversation": ..., "client": ...}`` for ``tracker``'s latest message.

    The client is the channel's ``client_key``, else — on SMS and phone calls — the
    number the channel confirmed the message came from (each call is its own
    conversation, the caller is the same client).  The limits only ever key a
    counter by a keyed digest of it.
    """
    metadata = tracker.latest_message.get("metadata") if isinstance(tracker.latest_message, dict) else None
    client = metadata.get(CLIENT_METADATA_KEY) if isinstance(metadata, dict) else None
    if not (isinstance(client, str) and client):
        client = _caller(metadata, tracker.sender_id)
    return {"conversation": tracker.sender_id, "client": client}


def _caller(metadata: object, sender_id: str) -> Optional[str]:
    services = built_services()
    if not isinstance(metadata, dict) or services is None or services.cipher is None:
        return None
    found = confirmed_contact(metadata, sender_id, services.cipher)
    return f"phone:{found.phone}" if found else None


def bind(tracker: Tracker) -> None:
    """Record ``tracker``'s requester for the rest of this action run."""
    _CURRENT.set(of(tracker))


def current() -> Dict[str, Optional[str]]:
    """Keyword arguments for ``start_contact_check`` / ``start_status_check``."""
    return dict(_CURRENT.get({"conversation": None, "client": None}))
