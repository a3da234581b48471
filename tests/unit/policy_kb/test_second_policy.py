"""Nothing is specific to one policy: a different document builds and answers correctly."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "question, section, fact",
    [
        ("where are your servers?", "where-your-data-is-kept", "Ireland"),
        ("who delivers my parcels?", "service-providers", "ShipFast"),
        ("how long do you keep my orders?", "how-long-we-keep-your-data", "six years"),
        ("when was this notice updated?", "changes-to-this-notice", "3 February 2024"),
    ],
)
def test_questions_on_a_second_policy_are_answered_from_its_own_sections(second_kb, question, section, fact):
    answer = second_kb.answer(question)
    assert answer.covered and answer.section_id == section and fact in answer.text


def test_a_single_age_threshold_is_not_doubled(second_kb):
    answer = second_kb.answer("how old do you have to be to shop here?")
    assert answer.section_id == "children" and "16" in answer.text and answer.also == ()


def test_the_second_policy_contact_is_offered_when_it_is_silent(second_kb):
    answer = second_kb.answer("do you record phone calls?")
    assert not answer.covered and answer.contact_email == "privacy@northwind-outfitters.example"
