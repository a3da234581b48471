"""Validators of requester input: each accepts the forms people type and rejects the rest with a specific message."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.requests import parsing as p

TODAY = date(2026, 11, 25)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Jane Doe", "Jane Doe"),
        ("  jane   doe ", "jane doe"),
        ("my name is José Ñúñez", "José Ñúñez"),
        ("I'm Sam Lee", "Sam Lee"),
        ("李小龙", "李小龙"),
        ("Анна Каренина", "Анна Каренина"),
        ("محمد علي", "محمد علي"),
        ("O'Brien-Smith", "O'Brien-Smith"),
        ("Mary-Jane St. John", "Mary-Jane St. John"),
        ("D’Angelo", "D'Angelo"),
    ],
)
def test_names_in_any_script_are_accepted(text, expected):
    result = p.parse_name(text)
    assert result.ok and result.value == expected


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "didn't catch"),
        ("123", "digits"),
        ("R2D2", "digits"),
        ("😀😀", "letters"),
        ("Jane <script>", "letters"),
        ("jane@example.com", "letters"),
        ("'-.", "doesn't look like a name"),
        ("A" * 101, "100 characters"),
        ("actually I want to delete my data", "sentence"),
        ("can you help me please", "sentence"),
    ],
)
def test_bad_names_get_a_specific_problem(text, words):
    result = p.parse_name(text)
    assert result.outcome is p.Outcome.INVALID
    assert words in result.problem


def test_name_problem_never_quotes_the_input():
    assert "Zyx" not in p.parse_name("Zyx 99").problem


# --------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    "text, expected",
    [
        ("jane@example.com", "jane@example.com"),
        ("Jane.Doe@EXAMPLE.com", "Jane.Doe@example.com"),
        ("my email is a.b+c@gmail.com", "a.b+c@gmail.com"),
        ("<x@example.org>", "x@example.org"),
        ("it's x@example.co.uk.", "x@example.co.uk"),
    ],
)
def test_emails_are_accepted_and_normalised(text, expected):
    result = p.parse_email(text)
    assert result.ok and result.value == expected


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "didn't catch"),
        ("jane.example.com", "@ sign"),
        ("jane@example", "domain"),
        ("@example.com", "before the @"),
        ("jane doe@example.com", "spaces"),
        ("jane@@example.com", "doesn't look right"),
        ("a" * 250 + "@x.com", "too long"),
    ],
)
def test_bad_emails_get_a_specific_problem(text, words):
    result = p.parse_email(text)
    assert not result.ok and words in result.problem


# --------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    "text, expected",
    [
        ("212 555 0123", "+12125550123"),
        ("(212) 555-0123", "+12125550123"),
        ("+1 212-555-0123", "+12125550123"),
        ("+44 20 7946 0000", "+442079460000"),
        ("0044 20 7946 0000", "+442079460000"),
        ("my number is +33 1 42 68 53 00", "+33142685300"),
    ],
)
def test_phones_become_e164(text, expected):
    result = p.parse_phone(text)
    assert result.ok and result.value == expected


@pytest.mark.parametrize("text", ["", "call me", "12345", "555-0123", "+99 1234", "1" * 50])
def test_bad_phones_are_rejected_with_a_hint(text):
    result = p.parse_phone(text)
    assert not result.ok and "phone" in result.problem.lower() or "number" in result.problem.lower()


def test_contact_is_email_or_phone():
    assert p.parse_contact("x@example.com").kind == "email"
    assert p.parse_contact("212 555 0123").kind == "phone"
    assert not p.parse_contact("tomorrow").ok


# --------------------------------------------------------------------------- dates of birth


@pytest.mark.parametrize(
    "text",
    [
        "March 4 1990",
        "march 4th, 1990",
        "4th of march 90",
        "4 Mar 1990",
        "1990-03-04",
        "19900304",
        "1990 March 4",
        "my birthday is 4 march 1990",
        "born on the 4th of March, 1990",
        "4-mar-1990",
    ],
)
def test_written_dates_of_birth_are_read(text):
    result = p.parse_date_of_birth(text, TODAY)
    assert result.ok and result.value == date(1990, 3, 4)


def test_swappable_day_and_month_is_ambiguous_with_both_readings():
    result = p.parse_date_of_birth("03/04/1990", TODAY)
    assert result.outcome is p.Outcome.AMBIGUOUS
    assert set(result.alternatives) == {date(1990, 3, 4), date(1990, 4, 3)}
    assert "4 March 1990" in result.problem and "3 April 1990" in result.problem


@pytest.mark.parametrize(
    "text, expected",
    [
        ("13/04/1990", date(1990, 4, 13)),
        ("04/13/1990", date(1990, 4, 13)),
        ("04/04/1990", date(1990, 4, 4)),
        ("4.5.85", None),
    ],
)
def test_unambiguous_numeric_dates_are_read(text, expected):
    result = p.parse_date_of_birth(text, TODAY)
    if expected is None:
        assert result.outcome is p.Outcome.AMBIGUOUS
    else:
        assert result.ok and result.value == expected


@pytest.mark.parametrize(
    "text, words",
    [
        ("2030-01-01", "future"),
        ("December 31 2026", "future"),
        ("1890-01-01", "120 years"),
        ("31/02/1990", "doesn't exist"),
        ("February 30 1990", "doesn't exist"),
        ("March 4", "year"),
        ("yesterday", "couldn't read"),
        ("", "didn't catch"),
        ("x" * 100, "just your date"),
    ],
)
def test_impossible_dates_of_birth_are_rejected(text, words):
    result = p.parse_date_of_birth(text, TODAY)
    assert result.outcome is p.Outcome.INVALID and words in result.problem


def test_two_digit_years_pick_the_past_century():
    assert p.parse_date_of_birth("4 March 90", TODAY).value == date(1990, 3, 4)
    assert p.parse_date_of_birth("4 March 05", TODAY).value == date(2005, 3, 4)


def test_age_and_under_13():
    born = date(2013, 11, 26)
    assert p.age_on(born, TODAY) == 12
    assert p.is_under_13(born, TODAY)
    assert not p.is_under_13(date(2013, 11, 25), TODAY)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1907, 1, 1), max_value=TODAY))
def test_every_real_date_of_birth_round_trips_in_iso_and_words(born):
    assert p.parse_date_of_birth(born.isoformat(), TODAY).value == born
    assert p.parse_date_of_birth(p.format_date(born), TODAY).value == born


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_date_parser_never_raises(text):
    result = p.parse_date_of_birth(text, TODAY)
    assert result.outcome in set(p.Outcome)
    if not result.ok:
        assert result.problem


# --------------------------------------------------------------------------- identifiers, free text, children


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("10022", "postal_code", "10022"),
        ("zip 10022-1234", "postal_code", "10022-1234"),
        ("sw1a 1aa", "postal_code", "SW1A 1AA"),
        ("order 12345678", "order_number", "12345678"),
        ("my order number is CA-2024-0042", "order_number", "CA-2024-0042"),
        ("#A123456", "order_number", "A123456"),
    ],
)
def test_postal_codes_and_order_numbers(text, kind, value):
    result = p.parse_identifier(text)
    assert result.ok and result.kind == kind and result.value == value


@pytest.mark.parametrize("text", ["hello", "😀", "12", "order abc"])
def test_bad_identifiers_are_rejected(text):
    result = p.parse_identifier(text)
    assert not result.ok and "skip" in result.problem


def test_free_text_is_trimmed_and_capped_at_1000():
    assert p.parse_free_text("  my address   is wrong ").value == "my address is wrong"
    assert p.parse_free_text("x" * 1000).ok
    too_long = p.parse_free_text("x" * 1001)
    assert not too_long.ok and "1000" in too_long.problem
    assert not p.parse_free_text("🙂🙂").ok
    assert not p.parse_free_text(None).ok


@pytest.mark.parametrize("text, age", [("9", 9), ("she's nine", 9), ("12 years old", 12), ("8 months", 0)])
def test_child_age(text, age):
    assert p.parse_child_age(text).value == age


@pytest.mark.parametrize("text", ["twenty", "25", "", "9 or 10"])
def test_bad_child_age(text):
    assert not p.parse_child_age(text).ok


@pytest.mark.parametrize(
    "text",
    [
        "I am 12",
        "im 9 years old",
        "I'm twelve",
        "i am a kid",
        "I'm under 13",
        "delete my data, I'm 11",
        "I just turned 10",
    ],
)
def test_saying_you_are_under_13_is_noticed(text):
    assert p.claims_under_13(text)


@pytest.mark.parametrize(
    "text",
    ["I am 30", "I'm 5 minutes late", "I'm 13", "my son is 9", "I am Jane", "order 12", "I'm 2nd in line", ""],
)
def test_other_sentences_are_not_taken_as_a_child(text):
    assert not p.claims_under_13(text)


@pytest.mark.parametrize("text", ["skip", "Skip.", "I don't have one", "no", "n/a", "not sure"])
def test_skip_words(text):
    assert p.is_skip(text)


def test_results_do_not_show_values_in_repr():
    assert "jane" not in repr(p.parse_email("jane@example.com"))
