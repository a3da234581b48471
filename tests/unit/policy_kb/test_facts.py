"""Structured facts are read from what the document states, with the section they come from."""

from __future__ import annotations


def test_contact_email_and_postal_address_of_the_real_policy(cartier_kb):
    facts = cartier_kb.facts
    assert facts["contact_email"] == "eboutique.us@cartier.com"
    assert "C/O Data Protection, 645 Fifth Avenue, 5th Floor, New York, NY 10022" in facts["contact_address"]


def test_age_thresholds_keep_each_section_and_disagree(cartier_kb):
    ages = {(a["age"], a["section"]) for a in cartier_kb.facts["age_thresholds"]}
    assert ages == {(13, "note-to-minors-and-children"), (18, "note-to-parents")}


def test_storage_countries(cartier_kb):
    assert cartier_kb.facts["storage_countries"] == ["United States", "Switzerland", "France"]


def test_named_processors_with_their_role_and_what_they_receive(cartier_kb):
    procs = {p["name"]: p for p in cartier_kb.facts["processors"]}
    assert set(procs) == {"Paymetric, Inc.", "Accertify, Inc."}
    assert "payment portal" in procs["Paymetric, Inc."]["role"]
    assert "fraud prevention" in procs["Accertify, Inc."]["role"]
    assert "Your credit card information" in procs["Accertify, Inc."]["receives"]


def test_rights_and_how_to_exercise_them(cartier_kb):
    kinds = {k for r in cartier_kb.facts["rights"] for k in r["kinds"]}
    assert {"access", "correction", "deletion", "stop_using"} <= kinds
    assert any("write to" in h["sentence"] for h in cartier_kb.facts["rights_how"])


def test_last_revised_date(cartier_kb):
    assert cartier_kb.facts["last_revised"]["date"] == "March 2010"
    assert cartier_kb.facts["last_revised"]["section"] == "changes-to-this-privacy-policy"


def test_facts_of_a_different_policy(second_kb):
    facts = second_kb.facts
    assert facts["contact_email"] == "privacy@northwind-outfitters.example"
    assert "12 Harbour Street, Bristol BS1 4QA" in facts["contact_address"]
    assert [a["age"] for a in facts["age_thresholds"]] == [16]
    assert facts["storage_countries"] == ["Ireland", "Germany", "United States"]
    procs = {p["name"]: p for p in facts["processors"]}
    assert set(procs) == {"Paylane Ltd", "ShipFast GmbH", "Mailwise Inc."}
    assert procs["ShipFast GmbH"]["receives"] == ["your name", "delivery address", "phone number"]
    assert {"access", "correction", "deletion", "portability"} <= {k for r in facts["rights"] for k in r["kinds"]}
    assert facts["last_revised"]["date"] == "3 February 2024"
