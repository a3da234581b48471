"""The company profile: read from the policy where it says so, completed by company.yml, errors naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.company import CompanyFileError, Source, build_profile, configure, current_profile, load_profile
from bot.company.operator_file import parse_company_values
from tests.unit.company.conftest import CARTIER_FILE, SECOND_FILE


def test_the_repository_policy_states_contact_address_ages_proof_and_revision(cartier_kb: Path) -> None:
    built = load_profile(cartier_kb, CARTIER_FILE)
    p, sources = built.profile, built.provenance.sources
    assert p.postal_address is not None and p.postal_address.care_of == "Data Protection"
    assert p.postal_address.addressee == p.legal_name and p.postal_address.street.endswith("NY 10022")
    assert (p.children_age, p.parental_deletion_age) == (13, 18)
    assert p.parental_proof and "parental or guardian status" in p.parental_proof
    assert p.policy_revision == "March 2010" and p.policy_version
    for field in (
        "legal_name",
        "privacy_email",
        "postal_address",
        "children_age",
        "parental_deletion_age",
        "parental_proof",
        "policy_revision",
    ):
        assert sources[field] is Source.POLICY, field
    assert sources["display_name"] is Source.FILE and sources["phone"] is Source.MISSING


def test_the_report_names_fields_from_the_policy_from_the_file_and_missing(second_kb: Path) -> None:
    report = load_profile(second_kb, SECOND_FILE).provenance.report().splitlines()
    by_label = {line.split("  ")[1].strip(): line for line in report}
    assert "privacy_email" in by_label["from the policy"] and "children_age" in by_label["from the policy"]
    assert "postal_address" in by_label["from company.yml"] and "display_name" in by_label["from company.yml"]
    assert "policy_revision" in by_label["missing"] and "phone" in by_label["missing"]


def test_the_file_overrides_the_policy_and_the_report_shows_what_the_policy_said(
    cartier_kb: Path, tmp_path: Path
) -> None:
    company = tmp_path / "company.yml"
    company.write_text(
        "display_name: Example\nprivacy_email: dpo@example.org\nchildren_age: 16\n" "parental_deletion_age: 16\n",
        encoding="utf-8",
    )
    built = load_profile(cartier_kb, company)
    assert built.profile.privacy_email == "dpo@example.org" and built.profile.children_age == 16
    assert built.provenance.sources["privacy_email"] is Source.FILE
    assert "overridden" in built.provenance.report() and "privacy_email" in built.provenance.overridden


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("privacy_email: not-an-address\n", "privacy_email"),
        ("children_age: thirteen\n", "children_age"),
        ("children_age: 40\n", "children_age"),
        ("jurisdictions: US\n", "jurisdictions"),
        ("postal_address: {street: 1 Main Street}\n", "postal_address"),
        ("website: ftp://example.org\n", "website"),
        ("displayname: Example\n", "displayname"),
    ],
)
def test_an_invalid_field_is_refused_with_a_message_naming_it(
    tmp_path: Path, cartier_kb: Path, yaml_text: str, field: str
) -> None:
    company = tmp_path / "company.yml"
    company.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(CompanyFileError, match=f"'{field}'"):
        load_profile(cartier_kb, company)


def test_a_required_field_neither_the_policy_nor_the_file_gives_is_named(tmp_path: Path) -> None:
    with pytest.raises(CompanyFileError, match="privacy_email"):
        build_profile({}, parse_company_values({"display_name": "Example", "legal_name": "Example Ltd"}))


def test_a_missing_company_file_or_broken_yaml_is_a_clear_error(tmp_path: Path, cartier_kb: Path) -> None:
    with pytest.raises(CompanyFileError, match="no such company file"):
        load_profile(cartier_kb, tmp_path / "absent.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("display_name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CompanyFileError, match="line"):
        load_profile(cartier_kb, broken)


def test_the_current_profile_follows_an_edited_file_and_keeps_the_last_good_one_on_a_bad_edit(
    cartier_kb: Path, tmp_path: Path
) -> None:
    company = tmp_path / "company.yml"
    company.write_text("display_name: First\n", encoding="utf-8")
    configure(cartier_kb, company)
    try:
        assert current_profile().display_name == "First"
        company.write_text("display_name: Second name\n", encoding="utf-8")
        assert current_profile().display_name == "Second name"
        company.write_text("display_name: [broken\n", encoding="utf-8")
        assert current_profile().display_name == "Second name"
    finally:
        configure()
