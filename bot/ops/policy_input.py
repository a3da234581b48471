"""Checks on a policy file before it may replace the one serving: each failure is one clear sentence.

A policy the assistant cannot serve (empty, binary, huge, not in English, or naming no way to
contact the company) is refused before anything is built, so the previous KB keeps serving.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from policy_kb.policy_facts import PolicyFacts

__all__ = ["PolicyRejected", "MAX_POLICY_BYTES", "check_policy_file", "check_contact_details"]

MAX_POLICY_BYTES = 2 * 1024 * 1024
#: Common English words: a policy in English has many of them among its first few thousand words.
_ENGLISH = frozenset(
    "the of and to a in is you your we our that for or with by this be are not may as on any information "
    "personal data use will it from have can at us if such".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_ENGLISH_SHARE = 0.15


class PolicyRejected(ValueError):
    """The policy file cannot replace the serving one; the message says why and what to do."""


def _text_of(data: bytes) -> Optional[str]:
    if b"\x00" in data[:65536]:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return None if sample and controls / len(sample) > 0.01 else text


def check_policy_file(path: Path) -> str:
    """The policy's text, or :class:`PolicyRejected` saying why it cannot be served."""
    try:
        size = path.stat().st_size
    except OSError:
        raise PolicyRejected(f"{path}: no such policy file") from None
    if size > MAX_POLICY_BYTES:
        raise PolicyRejected(
            f"{path}: {size / 1048576:.1f} MB is larger than the 2 MB a privacy policy needs; "
            "is this the policy file?"
        )
    data = path.read_bytes()
    text = _text_of(data)
    if text is None:
        raise PolicyRejected(
            f"{path}: not a text file (binary data or not UTF-8); save the policy as Markdown or " "plain text"
        )
    words = [w.lower() for w in _WORD.findall(text[:200_000])]
    if len(words) < 30:
        raise PolicyRejected(f"{path}: the file is empty or holds almost no text ({len(words)} words)")
    share = sum(1 for w in words if w in _ENGLISH) / len(words)
    if share < MIN_ENGLISH_SHARE:
        raise PolicyRejected(
            f"{path}: the policy does not read as English, and the assistant answers in English "
            "only; use the English version of the policy"
        )
    return text


def check_contact_details(facts: PolicyFacts, path: Path) -> None:
    """A policy must say how to reach the company: an e-mail, a postal address or a telephone number."""
    if facts.contact_email is None and facts.postal_address is None and facts.telephone is None:
        raise PolicyRejected(
            f"{path}: the policy gives no contact details (no e-mail, postal address or "
            "telephone), so the assistant could not tell anyone how to reach the company"
        )
