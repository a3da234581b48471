"""SMS opt-out registry: STOP / START by the phone number's blind index.

Twilio answers STOP itself but still forwards the message; the SMS channel
records it here (:meth:`OptOutRegistry.opt_out`) and every SMS sender refuses
to send to an opted-out number until START.  A Twilio 21610 error ("attempt to
send to unsubscribed recipient") records an opt-out too.

Keywords follow Twilio's defaults (:func:`classify_keyword`).  Never tell a
user to reply CANCEL: Twilio treats it as STOP.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Callable, Optional

from sqlalchemy.exc import IntegrityError

from bot.clock import utcnow
from bot.notify.models import SmsOptOut
from bot.privacy.crypto import Indexer
from bot.storage.db import Database

__all__ = ["SmsKeyword", "classify_keyword", "OptOutRegistry", "OPT_OUT_WORDS", "OPT_IN_WORDS", "HELP_WORDS"]

OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
_TRIM = re.compile(r"^[\s\W_]+|[\s\W_]+$", re.UNICODE)


class SmsKeyword(str, enum.Enum):
    STOP = "stop"
    START = "start"
    HELP = "help"


def classify_keyword(body: object) -> Optional[SmsKeyword]:
    """``STOP``/``START``/``HELP`` when the whole message is one of Twilio's keywords (any case, surrounding punctuation ignored)."""
    if not isinstance(body, str) or len(body) > 40:
        return None
    word = _TRIM.sub("", body).upper().replace(" ", "")
    if word in OPT_OUT_WORDS:
        return SmsKeyword.STOP
    if word in OPT_IN_WORDS:
        return SmsKeyword.START
    if word in HELP_WORDS:
        return SmsKeyword.HELP
    return None


class OptOutRegistry:
    """Persisted opt-outs (same database as the ticket store).  Blocking calls."""

    def __init__(self, database: Database, indexer: Indexer, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._indexer = indexer
        self._clock = clock

    def opt_out(self, phone: str, source: str = "stop") -> None:
        self._set(phone, True, source)

    def opt_in(self, phone: str, source: str = "start") -> None:
        self._set(phone, False, source)

    def is_opted_out(self, phone: str) -> bool:
        index = self._indexer.phone_index(phone)
        with self._db.read() as session:
            row = session.get(SmsOptOut, index)
            return bool(row is not None and row.opted_out)

    def _set(self, phone: str, opted_out: bool, source: str) -> None:
        index = self._indexer.phone_index(phone)
        source = (source or "unknown")[:16]
        for attempt in range(2):
            try:
                with self._db.write.begin() as session:
                    row = session.get(SmsOptOut, index, with_for_update=True)
                    if row is None:
                        session.add(
                            SmsOptOut(phone_index=index, opted_out=opted_out, source=source, updated_at=self._clock())
                        )
                    else:
                        row.opted_out = opted_out
                        row.source = source
                        row.updated_at = self._clock()
                return
            except IntegrityError:  # a concurrent first write for this number; update it instead
                if attempt:
                    raise
