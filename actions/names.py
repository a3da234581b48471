"""Every Rasa name the actions use, in one place.

A test checks each constant here exists in ``domain.yml``, so a typo fails
loudly instead of silently skipping a rule or a validator.
"""
from __future__ import annotations

# --- conversation basics ---
INTENT_GREET = "greet"
INTENT_GOODBYE = "goodbye"
INTENT_THANK = "thank"
INTENT_BOT_CHALLENGE = "bot_challenge"
INTENT_WHAT_CAN_YOU_DO = "what_can_you_do"
INTENT_OUT_OF_SCOPE = "out_of_scope"
INTENT_AFFIRM = "affirm"
INTENT_DENY = "deny"
INTENT_NLU_FALLBACK = "nlu_fallback"

SLOT_PRIVACY_NOTICE_SHOWN = "privacy_notice_shown"

ACTION_DEFAULT_FALLBACK_OPTIONS = "action_default_fallback_options"

UTTER_DEFAULT = "utter_default"
UTTER_WHAT_I_CAN_DO = "utter_what_i_can_do"
