"""Customer directory: matching data points (normalised), encrypted storage, idempotent seed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import text

from bot.verification.directory import (
    DEMO_CUSTOMERS,
    CustomerRecord,
    MatchResult,
    SqlCustomerDirectory,
    normalise_name,
    normalise_order_number,
    normalise_postal_code,
)


@pytest.fixture
def directory(database, cipher, indexer, clock) -> SqlCustomerDirectory:
    directory = SqlCustomerDirectory(database, cipher, indexer, clock=clock)
    directory.seed()
    return directory


def test_all_six_data_points_match_the_demo_customer(directory):
    result = directory.match(
        email="ada.demo@example.com",
        phone="+12025550100",
        full_name="Ada Demo",
        date_of_birth=date(1985, 12, 10),
        postal_code="10022",
        order_number="CNA-100001",
    )
    assert result == MatchResult(
        "demo-ada", ["email", "phone", "full_name", "date_of_birth", "postal_code", "order_number"]
    )


@pytest.mark.parametrize("name", ["bruno démo", "BRUNO DEMO", "  Bruno   Démo ", "Bruno Demo", "bruno-demo"])
def test_names_match_regardless_of_case_accents_and_spacing(directory, name):
    assert directory.match(email="bruno.demo@example.com", full_name=name).matched_points == ["email", "full_name"]


def test_a_different_name_does_not_match(directory):
    assert directory.match(email="bruno.demo@example.com", full_name="Bruno Other").matched_points == ["email"]


@pytest.mark.parametrize("phone", ["(202) 555-0102", "+1 202 555 0102", "202.555.0102", "+12025550102"])
def test_phone_numbers_match_in_any_common_format(directory, phone):
    assert directory.match(phone=phone) == MatchResult("demo-chloe", ["phone"])


def test_email_postal_code_and_order_number_are_normalised(directory):
    result = directory.match(email=" ADA.Demo@Example.COM ", postal_code="10022-1234", order_number="cna 100001")
    assert result == MatchResult("demo-ada", ["email", "postal_code", "order_number"])


def test_date_of_birth_as_iso_text_or_date(directory):
    assert directory.match(full_name="Dmitri Testov", date_of_birth="2001-01-31").count == 2
    assert directory.match(full_name="Dmitri Testov", date_of_birth=date(2001, 1, 31)).count == 2
    assert directory.match(full_name="Dmitri Testov", date_of_birth="31/01/2001").count == 1


def test_nothing_matches_an_unknown_person(directory):
    result = directory.match(email="nobody@example.com", full_name="No Body", date_of_birth=date(1990, 1, 1))
    assert result == MatchResult(None, []) and not result.matched


def test_confirming_points_alone_never_select_a_customer(directory):
    # Date of birth and postal code are shared by many people: they only confirm a candidate.
    assert directory.match(date_of_birth=date(1985, 12, 10), postal_code="10022") == MatchResult(None, [])


def test_points_of_two_different_customers_are_never_added_up(directory):
    result = directory.match(email="ada.demo@example.com", full_name="Bruno Démo", phone="+12025550101")
    assert result.customer_id == "demo-bruno"
    assert result.matched_points == ["phone", "full_name"]


def test_garbage_input_matches_nothing_and_does_not_crash(directory):
    result = directory.match(
        email="not an email",
        phone="call me",
        full_name="😀" * 500,
        date_of_birth="yesterday",
        postal_code="",
        order_number=None,
    )
    assert result == MatchResult(None, [])


def _holds(dump: str, value: str) -> bool:
    """``value`` in ``dump`` as a value of its own, not as a run of characters inside a hash or a ciphertext
    (hex, base64): a 5-digit postal code turns up by chance in the hex of a keyed hash about once in twenty runs."""
    return re.search(rf"(?<![\w+/=-]){re.escape(value)}(?![\w+/=-])", dump) is not None


def test_directory_stores_no_plaintext_personal_data(directory, database):
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM customers")).mappings().all()
    dump = " ".join(
        (bytes(v).decode("latin-1") if isinstance(v, (bytes, memoryview)) else str(v))
        for row in rows
        for v in row.values()
    )
    for record in DEMO_CUSTOMERS:
        for value in (record.full_name, record.email, record.phone, record.order_number, record.postal_code):
            if value:
                assert not _holds(dump, value), value
        assert not _holds(dump, record.date_of_birth.isoformat())


def test_seeding_twice_keeps_one_row_per_customer_and_round_trips(directory):
    assert directory.seed() == len(DEMO_CUSTOMERS)
    records = directory.list()
    assert [r.customer_id for r in records] == sorted(r.customer_id for r in DEMO_CUSTOMERS)
    assert directory.get("demo-ada") == DEMO_CUSTOMERS[0]
    assert "ada" not in repr(directory.get("demo-ada")).replace("demo-ada", "")


def test_upsert_replaces_a_customer_s_data(directory):
    directory.upsert(CustomerRecord("demo-ada", "Ada Renamed", "ada.new@example.com"))
    assert directory.match(email="ada.demo@example.com") == MatchResult(None, [])
    assert directory.match(email="ada.new@example.com", full_name="ada renamed").matched_points == [
        "email",
        "full_name",
    ]


def test_normalisers():
    assert normalise_name("  Élodie  O'Démo ") == "elodie o demo"
    assert normalise_name("ЖАННА") == normalise_name("жанна")
    assert normalise_postal_code("sw1a 1aa") == "SW1A1AA"
    assert normalise_postal_code("10022-1234") == "10022"
    assert normalise_order_number("cna-100001") == "CNA100001"
