"""Public ticket references: ``PD-7K3D-9QXM``.

Eight symbols from Crockford's base-32 alphabet (no I, L, O, U: nothing to
confuse when read aloud or typed on a phone keypad), drawn with ``secrets``:
40 random bits, so references are not guessable or sequential.  Parsing is
forgiving the way Crockford intends: case, spaces and dashes are ignored and
``O`` → ``0``, ``I``/``L`` → ``1``.
"""

from __future__ import annotations

import re
import secrets
from typing import Optional

__all__ = ["ALPHABET", "PREFIX", "REFERENCE_LENGTH", "new_reference", "normalise_reference", "is_reference"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "PD"
GROUPS = 2
GROUP_SIZE = 4
REFERENCE_LENGTH = len(PREFIX) + GROUPS * (GROUP_SIZE + 1)  # "PD-XXXX-XXXX" = 12

_CANONICAL = re.compile(rf"^{PREFIX}(-[{ALPHABET}]{{{GROUP_SIZE}}}){{{GROUPS}}}$")
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_reference() -> str:
    """A fresh random reference such as ``PD-7K3D-9QXM``."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    groups = [symbols[i : i + GROUP_SIZE] for i in range(0, len(symbols), GROUP_SIZE)]
    return "-".join([PREFIX, *groups])


def normalise_reference(text: str) -> Optional[str]:
    """The canonical form of what a person typed or said, or ``None`` if it cannot be one.

    ``"pd 7k3d 9qxm"``, ``"PD-7K3D-9QXM"`` and ``"7K3D9QXM"`` all give ``"PD-7K3D-9QXM"``.
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    compact = _SEPARATORS.sub("", text.strip().upper())
    if compact.startswith(PREFIX) and len(compact) == len(PREFIX) + GROUPS * GROUP_SIZE:
        compact = compact[len(PREFIX) :]
    if len(compact) != GROUPS * GROUP_SIZE:
        return None
    compact = compact.translate(_CONFUSABLE)
    if any(ch not in ALPHABET for ch in compact):
        return None
    return "-".join([PREFIX] + [compact[i : i + GROUP_SIZE] for i in range(0, len(compact), GROUP_SIZE)])


def is_reference(text: str) -> bool:
    """``True`` for a canonical reference (exact form, no normalisation)."""
    return isinstance(text, str) and bool(_CANONICAL.match(text))
