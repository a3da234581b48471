"""The phone number a Twilio channel confirmed, handed to actions in message metadata.

Only the Twilio channels set it, and only from a request whose Twilio signature
checked out: it is the number the message came from (SMS) or the caller id
(voice).  Actions may use it as the SMS/phone flow's contact ("a code by SMS to
the number you are texting from").  It is not proof of identity on its own:
caller ids can be spoofed, so it is one data point, never verification.

The number is sealed (``DataCipher``: authenticated encryption) and bound to
the conversation id, so

- the tracker store never holds it in clear, even inside event metadata;
- a client of another channel cannot forge one (the REST and socket.io
  channels also drop client metadata), nor replay one into another conversation.

Actions read it with::

    from bot.channels.contact import confirmed_contact
    contact = confirmed_contact(tracker.latest_message.get("metadata"), tracker.sender_id, cipher)
    if contact: contact.phone  # E.164, channel-confirmed

No Rasa import here: actions and domain code may use this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

from bot.channels.names import TWILIO_CHANNELS
from bot.privacy.crypto import DataCipher, DecryptionError

__all__ = ["METADATA_KEY", "ChannelContact", "seal_contact", "confirmed_contact"]

METADATA_KEY = "channel_contact"
_VERSION = 1
_CHANNELS = TWILIO_CHANNELS


@dataclass(frozen=True)
class ChannelContact:
    """A phone number the channel saw on a signed Twilio request."""

    phone: str
    channel: str  # TWILIO_SMS or TWILIO_VOICE

    @property
    def kind(self) -> str:
        return "phone"

    def __repr__(self) -> str:  # never print the number
        return f"ChannelContact(channel={self.channel!r}, phone=<redacted>)"


def seal_contact(cipher: DataCipher, channel: str, sender_id: str, phone: str) -> Dict[str, str]:
    """Metadata for a ``UserMessage``: ``{"channel_contact": <sealed token>}``."""
    if channel not in _CHANNELS:
        raise ValueError("only the Twilio channels confirm a phone number")
    token = cipher.encrypt_json({"v": _VERSION, "channel": channel, "sender_id": sender_id, "phone": phone})
    return {METADATA_KEY: token.decode("ascii")}


def confirmed_contact(
    metadata: Optional[Mapping[str, Any]], sender_id: str, cipher: DataCipher
) -> Optional[ChannelContact]:
    """The channel-confirmed phone of this message, or ``None`` (absent, forged, or another conversation's)."""
    if not isinstance(metadata, Mapping):
        return None
    token = metadata.get(METADATA_KEY)
    if not isinstance(token, str) or len(token) > 4096:
        return None
    try:
        payload = cipher.decrypt_json(token.encode("ascii"))
    except (DecryptionError, UnicodeEncodeError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("v") != _VERSION:
        return None
    if payload.get("sender_id") != sender_id or payload.get("channel") not in _CHANNELS:
        return None
    phone = payload.get("phone")
    if not isinstance(phone, str) or not phone:
        return None
    return ChannelContact(phone=phone, channel=payload["channel"])
