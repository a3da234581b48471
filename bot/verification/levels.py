"""Verification levels and what each request kind needs (CCPA 11 CCR 7060-7062).

===========================  ==============================================  ==========================
request kind                 needs                                           ticket level
===========================  ==============================================  ==========================
access_categories            2 matched data points + confirmed contact       reasonable
access_specific              3 matched data points + confirmed contact       high
                             + declaration under penalty of perjury
correction, deletion,        2 matched data points + confirmed contact       reasonable
stop_using
parental_deletion            confirmed contact (documents: an agent)         none (method documents)
status_check                 a code to the contact on the ticket             —
escalation                   nothing                                         none
===========================  ==============================================  ==========================

A data point is a value the requester gave that equals the one the directory
holds for the same customer (``email``, ``phone``, ``full_name``,
``date_of_birth``, ``postal_code``, ``order_number``).  Without a confirmed
contact (a one-time code entered correctly) the level is ``none`` whatever
matched: knowing someone's details is not proof of being them.
"""

from __future__ import annotations

import enum
from typing import Mapping

from bot.verification.errors import UnknownRequestKind

__all__ = ["VerificationLevel", "RequestKind", "REQUIRED_LEVEL", "required_level", "TICKET_LEVEL", "DATA_POINTS"]

#: The names :class:`~bot.verification.directory.MatchResult` uses for matched points.
DATA_POINTS = ("email", "phone", "full_name", "date_of_birth", "postal_code", "order_number")


class VerificationLevel(str, enum.Enum):
    """Ordered: each level includes the ones before it."""

    NONE = "none"
    CONTACT_CONFIRMED = "contact_confirmed"
    TWO_POINTS = "two_points"
    THREE_POINTS_DECLARATION = "three_points_declaration"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    def satisfies(self, required: "VerificationLevel") -> bool:
        return self.rank >= required.rank


_ORDER = list(VerificationLevel)


class RequestKind(str, enum.Enum):
    """What the requester asks for, at the granularity verification cares about.

    Ticket kinds (:class:`bot.tickets.Kind`) map onto these; ``access`` splits into
    ``access_categories`` and ``access_specific``.
    """

    ACCESS_CATEGORIES = "access_categories"
    ACCESS_SPECIFIC = "access_specific"
    CORRECTION = "correction"
    DELETION = "deletion"
    STOP_USING = "stop_using"
    PARENTAL_DELETION = "parental_deletion"
    STATUS_CHECK = "status_check"
    ESCALATION = "escalation"


REQUIRED_LEVEL: Mapping[RequestKind, VerificationLevel] = {
    RequestKind.ACCESS_CATEGORIES: VerificationLevel.TWO_POINTS,
    RequestKind.ACCESS_SPECIFIC: VerificationLevel.THREE_POINTS_DECLARATION,
    RequestKind.CORRECTION: VerificationLevel.TWO_POINTS,
    RequestKind.DELETION: VerificationLevel.TWO_POINTS,
    RequestKind.STOP_USING: VerificationLevel.TWO_POINTS,
    RequestKind.PARENTAL_DELETION: VerificationLevel.CONTACT_CONFIRMED,
    RequestKind.STATUS_CHECK: VerificationLevel.CONTACT_CONFIRMED,
    RequestKind.ESCALATION: VerificationLevel.NONE,
}

#: The ticket store's coarser level (``bot.tickets.VerificationLevel`` values).
TICKET_LEVEL: Mapping[VerificationLevel, str] = {
    VerificationLevel.NONE: "none",
    VerificationLevel.CONTACT_CONFIRMED: "none",
    VerificationLevel.TWO_POINTS: "reasonable",
    VerificationLevel.THREE_POINTS_DECLARATION: "high",
}


def parse_kind(kind: object) -> RequestKind:
    if isinstance(kind, RequestKind):
        return kind
    if isinstance(kind, str):
        try:
            return RequestKind(kind.strip().lower())
        except ValueError:
            pass
    raise UnknownRequestKind(kind)


def required_level(kind: object) -> VerificationLevel:
    """The level a request of ``kind`` needs (raises :class:`UnknownRequestKind`)."""
    return REQUIRED_LEVEL[parse_kind(kind)]
