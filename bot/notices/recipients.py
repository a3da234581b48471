"""Who a requester notice goes to: only a contact the requester verified, shown masked.

* A one-time code confirmed one contact: the notice goes there (an e-mail code → e-mail;
  a code texted to the phone, as on SMS and the phone line → SMS to that number).
* Verified another way (an agent's check, documents): by the channel used — SMS and
  phone requests by SMS, the others by e-mail — to the contact on the ticket.
* Neither: no notice (never to an unverified contact).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.notify.types import MessageChannel
from bot.tickets import Channel, PersonalData, TicketView, VerificationLevel, VerificationMethod

__all__ = ["Recipient", "choose_recipient", "mask_address", "to_e164"]


@dataclass(frozen=True)
class Recipient:
    channel: MessageChannel
    address: str

    @property
    def masked(self) -> str:
        return mask_address(self.address)


def mask_address(address: str) -> str:
    """``a***@example.com`` or ``+*******4567``: enough to recognise, not to read back."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = [c for c in address if c.isdigit()]
    return "the number ending " + "".join(digits[-4:]) if len(digits) >= 7 else "your phone"


def to_e164(phone: Optional[str]) -> Optional[str]:
    if not phone:
        return None
    try:
        import phonenumbers

        parsed = phonenumbers.parse(phone, "US")
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except Exception:  # noqa: BLE001 - phonenumbers raises its own NumberParseException
        return None
    return None


def code_confirmed_channel(ticket: TicketView) -> Optional[MessageChannel]:
    """The channel a one-time code confirmed, or None."""
    return {VerificationMethod.EMAIL_CODE: MessageChannel.EMAIL, VerificationMethod.SMS_CODE: MessageChannel.SMS}.get(
        ticket.verification.method
    )


def is_verified(ticket: TicketView) -> bool:
    return ticket.verified_at is not None and ticket.verification.level is not VerificationLevel.NONE


def choose_recipient(ticket: TicketView, personal: PersonalData) -> Optional[Recipient]:
    """The one verified contact of ``ticket``, or None when there is none."""
    confirmed = code_confirmed_channel(ticket)
    if confirmed is None:
        if not is_verified(ticket):
            return None
        confirmed = MessageChannel.SMS if ticket.channel in (Channel.SMS, Channel.VOICE) else MessageChannel.EMAIL
    phone = to_e164(personal.phone)
    if confirmed is MessageChannel.SMS:
        return Recipient(MessageChannel.SMS, phone) if phone else None
    return Recipient(MessageChannel.EMAIL, personal.email) if personal.email else None
