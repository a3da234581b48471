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
#: Control, format (bidi overrides and isolates, zero-width spaces and joiners, BOM,
#: soft hyphen...), surrogate, private-use and unassigned code points: none of them
#: carries meaning for the assistant, and format characters can make an agent read
#: a transcript line differently from what the bot understood.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def clean_user_text(raw: object, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Normalise a user's message; never raises.

    - non-strings become empty text (the bot answers with its fallback);
    - the text is cut to ``limit`` characters FIRST, so the work below is
      bounded whatever the client sent (a 20 MB message costs no more than a
      5,000-character one);
    - control and format characters other than newline/tab are dropped
      (bidi overrides, isolates, zero-width spaces, BOM, NULs);
    - NFC normalisation, then the cap again (normalising can change the length);
    - leading slashes are stripped so the text is never a forced intent.
    """
    if not isinstance(raw, str):
        return ""
    text = raw[:limit]
    text = "".join(ch for ch in text if ch in _KEEP_CONTROL or unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    text = unicodedata.normalize("NFC", text)[:limit].strip()
    while text.startswith("/"):
        text = text[1:].lstrip()
    return text
