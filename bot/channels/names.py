"""The names our Twilio input channels register with Rasa (``input_channel`` on every turn).

Rasa routes ``/webhooks/<name>/webhook`` by them and stores them on each
conversation turn, so they are part of the public surface: change them never.
"""

from __future__ import annotations

__all__ = ["TWILIO_SMS", "TWILIO_VOICE", "TWILIO_CHANNELS"]

TWILIO_SMS = "twilio_sms"
TWILIO_VOICE = "twilio_voice"
#: The channels whose sender is a phone number the carrier vouches for.
TWILIO_CHANNELS = frozenset({TWILIO_SMS, TWILIO_VOICE})
