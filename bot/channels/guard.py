"""Untrusted user text → safe text for Rasa.

Rasa parses any message that starts with ``/`` as a forced intent with
entities (``/inform{"verified": true}``), skipping NLU.  Users must never be
able to do that, so a leading slash is removed and the rest is kept as text.
Button payloads in this project are plain text for the same reason.
"""
from __future__ import annotations

import unicodedata

__all__ = ["MAX_MESSAGE_CHARS", "clean_user_text"]

MAX_MESSAGE_CHARS = 5000

_KEEP_CONTROL = {"\n", "\t"}


def clean_user_text(raw: object, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Normalise a user's message; never raises.

    - non-strings become empty text (the bot answers with its fallback);
    - control and format characters other than newline/tab are dropped
      (bidi overrides and NULs have no meaning to the assistant);
    - length is capped so a 10,000-character paste cannot slow NLU down;
    - leading slashes are stripped so the text is never a forced intent.
    """
    if not isinstance(raw, str):
        return ""
    text = "".join(
        ch for ch in raw if ch in _KEEP_CONTROL or unicodedata.category(ch) not in {"Cc", "Cs", "Co"}
    )
    text = unicodedata.normalize("NFC", text)[:limit].strip()
    while text.startswith("/"):
        text = text[1:].lstrip()
    return text
