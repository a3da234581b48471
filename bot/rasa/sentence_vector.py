"""The MiniLM vector of a user message, carried from the NLU to the action server in the parse data.

Why: a policy question is encoded by MiniLM twice per turn — by the NLU's sentence
featurizer (``sentence_featurizer.py``) and again by the knowledge base in the action
server (~9 ms of CPU each).  The featurizer already holds the vector, so it adds it to the
message's parse data under :data:`PARSE_DATA_KEY`, compactly (float16, base64: ~1 KB),
with the number of tokens it was computed from; the action side
(``actions/kb_holder.py``) hands it to the KB instead of encoding the same text again.
float16 changes no KB answer (all 213 dev, test and held-out questions answer the same).

The vector is derived from what the user typed, so it is personal data like the text: it
travels and is stored only where the text is (the parse data of the ``user`` event, in the
encrypted tracker store; redacting the user's words drops it with the rest of the parse
data), and it is never logged.  numpy only: the action server imports this without Rasa.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import numpy as np

__all__ = ["PARSE_DATA_KEY", "SentenceVector", "pack", "unpack"]

#: Key of the packed vector in a message's parse data (``tracker.latest_message``).
PARSE_DATA_KEY = "text_vector"
#: Size of a MiniLM sentence vector.
DIMENSION = 384
_WIRE_DTYPE = np.dtype("<f2")


@dataclass(frozen=True)
class SentenceVector:
    """A message's MiniLM vector and how many tokens (with [CLS] and [SEP]) it was computed from."""

    vector: np.ndarray
    tokens: int


def pack(vector: np.ndarray, tokens: int) -> dict:
    """The JSON-ready form of a vector: ``{"f16": base64 of little-endian float16, "tokens": n}``."""
    raw = np.asarray(vector, dtype=np.float32).reshape(-1).astype(_WIRE_DTYPE).tobytes()
    return {"f16": base64.b64encode(raw).decode("ascii"), "tokens": int(tokens)}


def unpack(parse_data: Optional[Mapping[str, Any]]) -> Optional[SentenceVector]:
    """The vector packed in ``parse_data`` as float32, or ``None`` if absent or malformed."""
    packed = (parse_data or {}).get(PARSE_DATA_KEY)
    if not isinstance(packed, Mapping):
        return None
    encoded, tokens = packed.get("f16"), packed.get("tokens")
    if not isinstance(encoded, str) or not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 1:
        return None
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != DIMENSION * _WIRE_DTYPE.itemsize:
        return None
    vector = np.frombuffer(raw, dtype=_WIRE_DTYPE).astype(np.float32)
    if not np.all(np.isfinite(vector)):
        return None
    return SentenceVector(vector, tokens)
