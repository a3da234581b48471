"""Speech: no URLs/emoji/markup, e-mails and references spelled out, options as say-or-press."""

from __future__ import annotations

from bot.channels.speech_format import (
    compose_speech,
    normalise_spoken_email,
    speak_options,
    speech_hints,
    spell_email,
    spell_reference,
    to_speech,
)


def test_email_addresses_are_spelled_out() -> None:
    assert spell_email("privacy.us@example.com") == "P R I V A C Y dot U S at example dot com"
    assert spell_email("j_doe-1@ex.co.uk") == "J underscore D O E dash 1 at E X dot C O dot U K"


def test_references_are_read_in_groups() -> None:
    assert spell_reference("PD-7K3D-9QXM") == "P D, 7 K 3 D, 9 Q X M"
    assert "P D, 7 K 3 D, 9 Q X M" in to_speech("Your reference is PD-7K3D-9QXM.")


def test_urls_emoji_and_markup_are_not_read_aloud() -> None:
    spoken = to_speech(
        "**See** [our policy](https://www.example.com/en-us/privacy) 😀 or https://x.example/a?b=c <b>now</b>"
    )
    assert (
        "http" not in spoken and "www" not in spoken and "😀" not in spoken and "*" not in spoken and "<" not in spoken
    )
    assert spoken.startswith("See our policy")


def test_bullets_become_sentences_and_codes_are_read_digit_by_digit() -> None:
    assert to_speech("I can:\n- answer questions\n- take requests") == "I can: answer questions. take requests."
    assert "4 8 2 9 1 3" in to_speech("Your code is 482913")


def test_options_are_say_or_press_and_become_recogniser_hints() -> None:
    buttons = [{"title": "Delete my data", "payload": "x"}, {"title": "Check, a request", "payload": "y"}]
    assert speak_options(buttons) == 'Say "Delete my data", or press 1. Say "Check, a request", or press 2.'
    hints = speech_hints(buttons, ["agent", "Delete my data"])
    assert hints == "Delete my data, Check  a request, agent"
    said, offered = compose_speech([{"text": "Which one?", "buttons": buttons}])
    assert said[0] == "Which one?" and said[1].startswith('Say "Delete my data"') and offered == buttons


def test_a_masked_email_is_read_as_a_hint_not_as_stars() -> None:
    spoken = to_speech("They'll reply by e-mail to a***@example.com, normally within 2 business days.")
    assert "*" not in spoken
    assert "the address starting with A at example dot com" in spoken


def test_a_spoken_email_address_becomes_an_address_and_other_sentences_do_not() -> None:
    assert normalise_spoken_email("jane dot smith at example dot com") == "jane.smith@example.com"
    assert normalise_spoken_email("My email is tom underscore 12 at gmail dot com.") == "tom_12@gmail.com"
    assert normalise_spoken_email("I will be at home dot com") == "I will be at home dot com"
    assert normalise_spoken_email("meet me at the park") == "meet me at the park"
    assert normalise_spoken_email("Jane.Smith@example.com") == "Jane.Smith@example.com"


def test_the_last_digits_of_a_masked_number_are_read_one_by_one() -> None:
    assert (
        to_speech("I've texted a code to the number ending 4567.") == "I've texted a code to the number ending 4 5 6 7."
    )
    said, _ = compose_speech(
        [{"text": "Which number?", "buttons": [{"title": "Use the number ending 0101", "payload": "use this number"}]}]
    )
    assert said[-1] == 'Say "Use the number ending 0 1 0 1", or press 1.'
    assert to_speech("We are open until 2024.") == "We are open until 2024."
