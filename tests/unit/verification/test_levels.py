"""Verification levels per request kind (CCPA 11 CCR 7062) and the assessment rules."""

from __future__ import annotations

import pytest

from bot.verification.directory import MatchResult
from bot.verification.errors import UnknownRequestKind
from bot.verification.levels import REQUIRED_LEVEL, RequestKind, VerificationLevel, required_level
from bot.verification.service import AssessmentReason, VerificationService
from tests.fakes.recording import RecordingNotifier

L = VerificationLevel
TWO = ["email", "full_name"]
THREE = ["email", "full_name", "date_of_birth"]


@pytest.fixture
def service() -> VerificationService:
    # assess() is pure: no store needed.
    return VerificationService(codes=None, notifier=RecordingNotifier())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kind, level",
    [
        ("access_categories", L.TWO_POINTS),
        ("deletion", L.TWO_POINTS),
        ("correction", L.TWO_POINTS),
        ("stop_using", L.TWO_POINTS),
        ("access_specific", L.THREE_POINTS_DECLARATION),
        ("parental_deletion", L.CONTACT_CONFIRMED),
        ("status_check", L.CONTACT_CONFIRMED),
        ("escalation", L.NONE),
    ],
)
def test_each_request_kind_requires_its_ccpa_level(kind, level):
    assert required_level(kind) is level
    assert required_level(RequestKind(kind)) is level


def test_every_request_kind_has_a_rule():
    assert set(REQUIRED_LEVEL) == set(RequestKind)


def test_unknown_kind_is_an_error_without_echoing_input():
    with pytest.raises(UnknownRequestKind) as caught:
        required_level("ada.demo@example.com and more text that is long")
    assert "ada.demo" not in str(caught.value)


def test_levels_are_ordered():
    assert L.THREE_POINTS_DECLARATION.satisfies(L.TWO_POINTS)
    assert not L.CONTACT_CONFIRMED.satisfies(L.TWO_POINTS)


@pytest.mark.parametrize(
    "kind, points, declaration, confirmed, via, level, allowed, reason",
    [
        ("deletion", TWO, False, True, "email", L.TWO_POINTS, True, AssessmentReason.VERIFIED),
        ("deletion", ["email"], False, True, "email", L.CONTACT_CONFIRMED, False, AssessmentReason.TOO_FEW_POINTS),
        ("deletion", THREE, False, False, None, L.NONE, False, AssessmentReason.CONTACT_NOT_CONFIRMED),
        ("deletion", [], False, True, "email", L.CONTACT_CONFIRMED, False, AssessmentReason.NOT_MATCHED),
        ("stop_using", ["phone", "postal_code"], False, True, "sms", L.TWO_POINTS, True, AssessmentReason.VERIFIED),
        ("correction", THREE, False, True, "email", L.TWO_POINTS, True, AssessmentReason.VERIFIED),
        ("access_categories", TWO, False, True, "email", L.TWO_POINTS, True, AssessmentReason.VERIFIED),
        ("access_specific", THREE, False, True, "email", L.TWO_POINTS, False, AssessmentReason.DECLARATION_MISSING),
        ("access_specific", TWO, True, True, "email", L.TWO_POINTS, False, AssessmentReason.TOO_FEW_POINTS),
        ("access_specific", THREE, True, True, "email", L.THREE_POINTS_DECLARATION, True, AssessmentReason.VERIFIED),
        ("parental_deletion", [], False, True, "sms", L.CONTACT_CONFIRMED, True, AssessmentReason.DOCUMENTS_REQUIRED),
        ("parental_deletion", [], False, False, None, L.NONE, False, AssessmentReason.CONTACT_NOT_CONFIRMED),
        ("escalation", [], False, False, None, L.NONE, True, AssessmentReason.NOT_REQUIRED),
        ("status_check", [], False, True, "email", L.CONTACT_CONFIRMED, True, AssessmentReason.VERIFIED),
    ],
)
def test_assessment(service, kind, points, declaration, confirmed, via, level, allowed, reason):
    verdict = service.assess(kind, points, declaration=declaration, contact_confirmed=confirmed, confirmed_via=via)
    assert (verdict.level, verdict.allowed, verdict.reason) == (level, allowed, reason)


def test_details_of_someone_else_plus_my_own_confirmed_contact_are_not_enough(service):
    # Mallory confirms her own phone and types Ada's e-mail, name and date of birth.
    verdict = service.assess("deletion", MatchResult("demo-ada", THREE), contact_confirmed=True, confirmed_via="sms")
    assert not verdict.allowed
    assert verdict.reason is AssessmentReason.CONTACT_NOT_ON_FILE
    # Without a matching e-mail or phone at all, a name and a birth date are not enough either.
    verdict = service.assess("deletion", ["full_name", "date_of_birth", "postal_code"], contact_confirmed=True)
    assert verdict.reason is AssessmentReason.CONTACT_NOT_ON_FILE


def test_unmatched_match_result_counts_no_points(service):
    verdict = service.assess("deletion", MatchResult(None, []), contact_confirmed=True, confirmed_via="email")
    assert verdict.reason is AssessmentReason.NOT_MATCHED and verdict.customer_id is None


def test_ticket_level_maps_to_the_ticket_store_vocabulary(service):
    from bot.tickets import VerificationLevel as TicketLevel

    high = service.assess("access_specific", THREE, declaration=True, contact_confirmed=True, confirmed_via="email")
    reasonable = service.assess("deletion", TWO, contact_confirmed=True, confirmed_via="email")
    none = service.assess("parental_deletion", [], contact_confirmed=True)
    assert TicketLevel(high.ticket_level) is TicketLevel.HIGH
    assert TicketLevel(reasonable.ticket_level) is TicketLevel.REASONABLE
    assert TicketLevel(none.ticket_level) is TicketLevel.NONE


def test_every_reason_has_a_plain_explanation_without_personal_data():
    from bot.verification.service import Assessment

    for reason in AssessmentReason:
        verdict = Assessment(RequestKind.DELETION, L.NONE, L.TWO_POINTS, False, reason, (), None)
        assert verdict.explanation.endswith(".") and "@" not in verdict.explanation


def test_unknown_data_point_names_are_ignored(service):
    verdict = service.assess("deletion", ["email", "shoe_size", "email"], contact_confirmed=True, confirmed_via="email")
    assert verdict.matched_points == ("email",) and not verdict.allowed
