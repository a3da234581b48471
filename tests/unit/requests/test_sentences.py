"""Values read from inside a sentence (bot.requests.sentences) and the validators that use them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.requests import parsing
from bot.tickets.references import ALPHABET

_SYMBOLS = st.text(alphabet=ALPHABET, min_size=8, max_size=8)
_SEPARATOR = st.sampled_from(["-", " ", "", "  ", "_", "."])
_LEAD = st.sampled_from(["", "it's ", "my reference is ", "any news on ", "status of ", "hi, ref: ", "pls check "])
_TAIL = st.sampled_from(["", "?", " please", ", thanks!", " what's happening"])


@settings(max_examples=150, deadline=None)
@given(symbols=_SYMBOLS, sep1=_SEPARATOR, sep2=_SEPARATOR, lead=_LEAD, tail=_TAIL, lower=st.booleans())
def test_a_reference_is_found_anywhere_in_a_sentence_in_any_case_and_spacing(symbols, sep1, sep2, lead, tail, lower):
    written = f"PD{sep1}{symbols[:4]}{sep2}{symbols[4:]}"
    text = lead + (written.lower() if lower else written) + tail
    assert parsing.find_reference(text) == f"PD-{symbols[:4]}-{symbols[4:]}"


_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _read_aloud(symbols: str) -> str:
    return " ".join(_DIGIT_WORDS[int(ch)] if ch.isdigit() else ch.lower() for ch in symbols)


@settings(max_examples=100, deadline=None)
@given(
    symbols=_SYMBOLS,
    lead=st.sampled_from(["", "oh ", "um ", "it's "]),
    tail=st.sampled_from(["", " where are we with that", " thanks"]),
)
def test_a_reference_read_aloud_on_the_phone_is_found(symbols, lead, tail):
    spoken = f"p d {_read_aloud(symbols[:4])} dash {_read_aloud(symbols[4:])}"
    assert parsing.find_reference(lead + spoken + tail) == f"PD-{symbols[:4]}-{symbols[4:]}"


@pytest.mark.parametrize("text", ["i want a copy of my data", "is it a b or c", "one two three four"])
def test_short_words_in_a_sentence_are_not_joined_into_a_reference(text):
    assert parsing.find_reference(text, asked=False) is None


@pytest.mark.parametrize("text", ["ym24hrxt", "YM24-HRXT", "my reference is ym24 hrxt", "it's YM24HRXT"])
def test_a_reference_without_its_prefix_counts_only_when_it_is_the_whole_answer(text):
    assert parsing.find_reference(text) == "PD-YM24-HRXT"


@pytest.mark.parametrize("text", ["call me at 212 555 0123", "my order 12345678 never came", "never mind", ""])
def test_numbers_in_sentences_are_not_taken_for_references(text):
    assert parsing.find_reference(text) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_readers_never_raise_on_any_text(text):
    for reader in (
        parsing.find_reference,
        parsing.find_email,
        parsing.find_phone,
        parsing.find_date,
        parsing.find_child_age,
        parsing.find_relationship,
        parsing.looks_like_question,
        parsing.says_instead,
        parsing.new_value_after_cue,
    ):
        reader(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("oops my email is wrong, it's bruno.demo@example.com", "bruno.demo@example.com"),
        ("my email is Ada.Demo@Example.com.", "Ada.Demo@example.com"),
        ("you can use ada.demo@example.com instead", "ada.demo@example.com"),
        ("email: ada.demo@example.com", "ada.demo@example.com"),
    ],
)
def test_an_email_inside_a_sentence_is_read(text, expected):
    assert parsing.find_email(text) == expected
    assert parsing.parse_email(text).value == expected


@pytest.mark.parametrize("text", ["jane doe@example.com", "a@example.com or b@example.com", "no address here"])
def test_a_split_address_or_two_addresses_are_not_guessed(text):
    assert parsing.find_email(text) is None


def test_a_phone_number_inside_a_sentence_is_read_in_e164():
    assert parsing.parse_phone("you can reach me on (212) 555-0123 after six").value == "+12125550123"
    assert parsing.find_phone("my son is 11") is None


def test_a_date_of_birth_inside_a_sentence_is_read():
    assert parsing.parse_date_of_birth("oh it is 4 March 1990 I think", today=date(2026, 1, 1)).value == date(
        1990, 3, 4
    )
    assert parsing.parse_date_of_birth("I was born on March 4th, 1990 thanks", today=date(2026, 1, 1)).value == date(
        1990, 3, 4
    )


@pytest.mark.parametrize(
    "text, age, relationship",
    [
        ("my son, he is 11, made an account, delete it", 11, "parent"),
        ("my son is 11 n made an account on ur site pls delete it", 11, "parent"),
        ("my 9 year old signed up without asking", 9, "parent"),
        ("I'm her legal guardian, she's ten", 10, "legal guardian"),
        ("my daughter (aged 7) has an account", 7, "parent"),
        ("delete my kid's data", None, "parent"),
        ("my son (10) registered without permission, delete his data", 10, "parent"),
        ("my son who is 11 made an account", 11, "parent"),
        ("my daughter, 12, signed up. as her mother I want it gone", 12, "parent"),
        ("as his dad i want his account deleted, he's twelve", 12, "parent"),
    ],
)
def test_a_parent_first_message_gives_the_child_age_and_the_relationship(text, age, relationship):
    assert parsing.find_child_age(text) == age
    assert parsing.find_relationship(text) == relationship


@pytest.mark.parametrize(
    "text",
    [
        "he is 5 minutes late",
        "delete my data",
        "I have 3 accounts",
        "she is 25 years old",
        "my son, 2 accounts were made",
    ],
)
def test_other_numbers_are_not_a_child_age(text):
    assert parsing.find_child_age(text) is None


def test_the_child_age_validator_reads_the_stated_age_among_other_numbers():
    assert parsing.parse_child_age("my son is 11 and has 2 accounts").value == 11


@pytest.mark.parametrize(
    "text, question",
    [
        ("does the app have access to my camera?", True),
        ("do u sell my data", True),
        ("my order history and whatever you got from phone calls", False),
        ("the categories", False),
    ],
)
def test_questions_are_told_from_answers(text, question):
    assert parsing.looks_like_question(text) is question


@pytest.mark.parametrize(
    "text, instead",
    [
        ("actually I changed my mind, I'd rather just delete my data instead", True),
        ("on second thought just delete everything", True),
        ("I want to delete my data", False),
    ],
)
def test_a_change_of_mind_is_recognised(text, instead):
    assert parsing.says_instead(text) is instead


def test_the_new_value_follows_its_cue():
    assert parsing.new_value_after_cue("my name is misspelled, it's Ana Lima.") == "Ana Lima"
    assert parsing.new_value_after_cue("typo in my name, should be Bruno Demo") == "Bruno Demo"
    assert parsing.new_value_after_cue("my name is wrong") is None
