"""The action server's knowledge base, swapped whole when ``privacy-desk kb reload`` installs a new one.

``privacy-desk kb reload`` builds a new KB into its own directory and points ``KB_DIR`` (a symlink)
at it in one rename.  Here, a turn takes the current :class:`KnowledgeBase` object once and uses
only it, so a turn never mixes two policies.  At most once a second a turn notices that ``KB_DIR``
points somewhere new; the new KB is then loaded in a background thread while turns keep using the
old one, and replaces it in one assignment when fully loaded.  A KB that fails to load is logged
and the old one keeps serving.

The KB's question encoder is wrapped (:class:`ReusingEncoder`): inside
:func:`question_vector_from`, a question the NLU already encoded (its vector travels in
the parse data, ``bot/rasa/sentence_vector.py``) is not encoded again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence, Tuple

import numpy as np

from bot.rasa.sentence_vector import SentenceVector, unpack
from policy_kb import KnowledgeBase

__all__ = ["KnowledgeBaseHolder", "CHECK_SECONDS", "ReusingEncoder", "load_reusing_encoder", "question_vector_from"]

logger = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
_Stamp = Tuple[str, int, int]


# the current turn's question and its vector from the NLU (one per task / thread context)
_offered: ContextVar[Optional[Tuple[str, SentenceVector]]] = ContextVar("offered_question_vector", default=None)


@contextlib.contextmanager
def question_vector_from(text: str, parse_data: Optional[Mapping[str, Any]]) -> Iterator[None]:
    """Within this block, a KB encoding exactly ``text`` reuses the vector in ``parse_data`` (if any).

    ``asyncio.to_thread`` copies the context, so a KB call sent to a thread inside the block sees it.
    """
    packed = unpack(parse_data)
    token = _offered.set((text, packed) if packed is not None and text else None)
    try:
        yield
    finally:
        _offered.reset(token)


class ReusingEncoder:
    """The KB's sentence encoder, returning the NLU's vector for the question it was computed from.

    Reused only for one text identical to the offered one and read from no more tokens than the
    caller allows (the KB cuts questions at 64 tokens, the NLU at 256); anything else is encoded.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def encode(self, texts: Sequence[str], max_tokens: Optional[int] = None) -> np.ndarray:
        offered = _offered.get()
        if offered is not None and len(texts) == 1 and texts[0] == offered[0]:
            vector = offered[1]
            if max_tokens is None or vector.tokens <= max_tokens:
                self.reused += 1
                return vector.vector.reshape(1, -1).copy()
        if max_tokens is None:
            return self.inner.encode(texts)
        return self.inner.encode(texts, max_tokens=max_tokens)


def load_reusing_encoder(kb_dir: Path) -> KnowledgeBase:
    """``KnowledgeBase.load`` with its question encoder wrapped in :class:`ReusingEncoder`."""
    kb = KnowledgeBase.load(kb_dir)
    if kb.encoder is not None:
        kb.encoder = ReusingEncoder(kb.encoder)
        kb.hybrid.encoder = kb.encoder
    return kb


def kb_stamp(kb_dir: Path) -> Optional[_Stamp]:
    """Which build ``kb_dir`` holds now: its real directory and its manifest's mtime and size."""
    try:
        real = os.path.realpath(kb_dir)
        st = os.stat(os.path.join(real, "manifest.json"))
    except OSError:
        return None
    return real, st.st_mtime_ns, st.st_size


class KnowledgeBaseHolder:
    """One process-wide KB, reloaded in the background when the directory it came from changes."""

    def __init__(
        self, kb_dir: Callable[[], Path], load: Callable[[Path], KnowledgeBase], check_seconds: float = CHECK_SECONDS
    ) -> None:
        self._kb_dir = kb_dir
        self._load = load
        self._check_seconds = check_seconds
        self._lock = threading.Lock()
        self._kb: Optional[KnowledgeBase] = None
        self._stamp: Optional[_Stamp] = None
        self._checked = 0.0
        self._reloading = False
        self.reloads = 0

    def set(self, kb: Optional[KnowledgeBase]) -> None:
        """Use ``kb`` (``None``: load again on next use); a KB set this way is not reloaded from disk."""
        with self._lock:
            self._kb, self._stamp, self._checked = kb, None, float("inf") if kb is not None else 0.0

    @property
    def current(self) -> Optional[KnowledgeBase]:
        return self._kb

    def load_now(self) -> KnowledgeBase:
        """Load the KB if none is loaded yet (blocking: call it off the event loop)."""
        with self._lock:
            if self._kb is None:
                kb_dir = self._kb_dir()
                stamp = kb_stamp(kb_dir)
                # load from the real directory: a swap during the load cannot mix two builds
                self._kb = self._load(Path(stamp[0]) if stamp else kb_dir)
                self._stamp, self._checked = stamp, time.monotonic()
            return self._kb

    def due_for_check(self) -> bool:
        return not self._reloading and time.monotonic() - self._checked >= self._check_seconds

    def reload_if_changed(self) -> bool:
        """Load and install the KB ``kb_dir`` points at now, if it changed (blocking; one at a time)."""
        with self._lock:
            if self._reloading or self._kb is None:
                return False
            self._reloading = True
            self._checked = time.monotonic()
            old_stamp = self._stamp
        try:
            stamp = kb_stamp(self._kb_dir())
            if stamp is None or stamp == old_stamp:
                return False
            try:
                kb = self._load(Path(stamp[0]))
            except Exception as exc:  # noqa: BLE001 - any failure keeps the serving KB
                logger.error("new knowledge base not loaded, the previous one keeps serving: %s", type(exc).__name__)
                with self._lock:
                    self._stamp = stamp  # do not retry the same broken build every second
                return False
            with self._lock:
                self._kb, self._stamp = kb, stamp
                self.reloads += 1
            logger.info("knowledge base reloaded (%s)", kb.manifest.get("source_sha256", "")[:12])
            return True
        finally:
            with self._lock:
                self._reloading = False
