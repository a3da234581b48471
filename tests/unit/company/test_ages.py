"""The children's age the assistant applies is the policy's (through the company profile), not a constant."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.company import configure
from bot.requests import parsing
from tests.unit.company.conftest import SECOND_FILE


def test_the_policy_age_decides_who_is_a_child(second_kb: Path, tmp_path: Path) -> None:
    older = tmp_path / "company.yml"
    older.write_text(
        SECOND_FILE.read_text(encoding="utf-8") + "children_age: 16\nparental_deletion_age: 16\n", encoding="utf-8"
    )
    today = date(2026, 12, 3)
    fourteen = date(2012, 6, 1)
    try:
        configure(second_kb, SECOND_FILE)  # the policy: "children under 13"
        assert parsing.child_age() == 13
        assert not parsing.claims_under_13("I'm 14") and not parsing.is_under_13(fourteen, today)
        assert parsing.claims_under_13("I am under 13")
        configure(second_kb, older)  # the operator's file: 16
        assert parsing.child_age() == 16
        assert parsing.claims_under_13("I'm 14") and parsing.is_under_13(fourteen, today)
        assert parsing.claims_under_13("im under 16") and not parsing.claims_under_13("I'm under 18")
    finally:
        configure()
