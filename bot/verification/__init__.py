"""Verification: one-time codes, who may be sent one (:mod:`~bot.verification.limits`), the customer
directory and CCPA verification levels.

Use it through :class:`VerificationService`::

    from bot.verification import VerificationService, CheckResult, StartStatus

    verification = VerificationService.from_settings(settings, database=db)   # at startup
    started = verification.start_contact_check("sms", "+12025550100", conversation=sender_id, client=client_key)
    result = verification.check_code(started.challenge_id, "123 456")         # CheckResult
    verdict = verification.assess("deletion", verification.match(email=..., full_name=...),
                                  contact_confirmed=result is CheckResult.OK, confirmed_via="sms")

Domain code: no Rasa imports.  Blocking: call from async code via ``asyncio.to_thread``.
"""

from bot.verification.codes import (
    CODE_LENGTH,
    CODE_TTL,
    MAX_ATTEMPTS,
    MAX_SENDS_PER_WINDOW,
    SEND_WINDOW,
    ChallengeInfo,
    ChallengeState,
    CheckResult,
    CodeStore,
    IssuedCode,
    SendLimitReached,
    generate_code,
    normalise_code,
)
from bot.verification.directory import (
    DEMO_CUSTOMERS,
    CustomerDirectory,
    CustomerRecord,
    MatchResult,
    SqlCustomerDirectory,
    normalise_name,
)
from bot.verification.errors import InvalidContact, UnknownRequestKind, VerificationError, VerificationStoreNotReady
from bot.verification.levels import DATA_POINTS, REQUIRED_LEVEL, RequestKind, VerificationLevel, required_level
from bot.verification.service import (
    Assessment,
    AssessmentReason,
    StartResult,
    StartStatus,
    VerificationService,
)

__all__ = [
    "VerificationService",
    "StartResult",
    "StartStatus",
    "Assessment",
    "AssessmentReason",
    "CheckResult",
    "ChallengeInfo",
    "ChallengeState",
    "CodeStore",
    "IssuedCode",
    "SendLimitReached",
    "generate_code",
    "normalise_code",
    "CODE_LENGTH",
    "CODE_TTL",
    "MAX_ATTEMPTS",
    "MAX_SENDS_PER_WINDOW",
    "SEND_WINDOW",
    "CustomerDirectory",
    "SqlCustomerDirectory",
    "CustomerRecord",
    "MatchResult",
    "DEMO_CUSTOMERS",
    "normalise_name",
    "VerificationLevel",
    "RequestKind",
    "REQUIRED_LEVEL",
    "DATA_POINTS",
    "required_level",
    "VerificationError",
    "InvalidContact",
    "UnknownRequestKind",
    "VerificationStoreNotReady",
]
