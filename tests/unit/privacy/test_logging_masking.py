"""One logging setup for all processes: masked at every level, structlog included."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import pytest
import structlog

from bot.logging_setup import REDACTED, configure_logging
from bot.privacy.masking import mask_text

EMAIL = "wren.canary.4417@example.net"
PHONE = "+1 415 555 0142"
DOB = "1987-03-29"
CODE = "482913"
CARD = "4111 1111 1111 1111"
NAME = "Ottoline Vashkevich"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "test.log"
    configure_logging("DEBUG", process="test", log_file=str(path))
    yield path
    for handler in list(logging.getLogger().handlers):
        handler.close()
    configure_logging("INFO", process="test")


def flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


@pytest.mark.parametrize(
    "text, secret",
    [
        (f"mail {EMAIL} now", EMAIL),
        (f"mail {EMAIL.upper()}", EMAIL.upper()),
        ("form body Body=my+mail+is+wren%40example.net", "wren%40example.net"),
        ('{"text": "wren\\u0040example.net"}', "example.net"),
        (f"call {PHONE}", "555 0142"),
        ("call 4155550142", "4155550142"),
        ("From=%2B14155550142&To=%2B15005550006", "4155550142"),
        ("call (415) 555-0142", "555-0142"),
        ("call 555-0142", "555-0142"),
        (f"born {DOB}", DOB),
        ("born 29/03/1987", "29/03/1987"),
        ("born March 29, 1987", "March 29, 1987"),
        ("born 29th of March 1987", "29th of March"),
        (f"code {CODE}", CODE),
        ("code 482-913", "482-913"),
        ("code 48 29 13", "48 29 13"),
        (f"card {CARD}", CARD),
        ("card 4111-1111-1111-1111", "4111-1111-1111-1111"),
    ],
)
def test_mask_text_hides_each_kind_of_personal_data(text: str, secret: str) -> None:
    assert secret not in mask_text(text)


def test_mask_text_keeps_ip_addresses_and_small_numbers_readable() -> None:
    line = "Rasa server is up on http://127.0.0.1:5005 (took 12.5 s, 3 workers)"
    assert mask_text(line) == line


def test_stdlib_debug_records_from_rasa_loggers_are_masked(log_file: Path) -> None:
    logging.getLogger("rasa.core.processor").debug(
        "Received user message '%s' from %s", f"I am born {DOB}, {EMAIL}", PHONE
    )
    logging.getLogger("rasa_sdk.executor").debug(f"Contents of ignored event: 'SlotSet(code: {CODE}, card: {CARD})'")
    try:
        raise ValueError(f"bad value {EMAIL}")
    except ValueError:
        logging.getLogger("rasa.core.actions.action").exception("action failed")
    flush()

    written = log_file.read_text()
    assert "Received user message" in written and "action failed" in written
    for secret in (EMAIL, DOB, "555 0142", CODE, CARD):
        assert secret not in written


def test_structlog_events_go_through_logging_with_values_redacted(log_file: Path) -> None:
    structlogger = structlog.get_logger()  # as rasa modules do at import
    structlogger.debug(
        "processor.message.parse",
        parse_data_text=f"my name is {NAME}",
        parse_data_entities=[{"value": NAME}],
        slot_values={"name": NAME},
        len_extraction_events=2,
        action_name="action_listen",
    )
    structlogger.error("rest.message.received.failure", text=f"{NAME} {EMAIL}")
    flush()

    written = log_file.read_text()
    assert "processor.message.parse" in written and "rest.message.received.failure" in written
    assert REDACTED in written and "len_extraction_events=2" in written and "action_listen" in written
    assert NAME not in written and EMAIL not in written
    assert "Ottoline" not in written


def test_structlog_respects_the_configured_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "info.log"
    configure_logging("INFO", process="test", log_file=str(path))
    try:
        structlog.get_logger().debug("processor.slots.log", slot_values={"name": NAME})
        structlog.get_logger().info("visible.event")
        flush()
        written = path.read_text()
        captured = capsys.readouterr()
    finally:
        for handler in list(logging.getLogger().handlers):
            handler.close()
        configure_logging("INFO", process="test")
    assert "visible.event" in written
    assert "processor.slots.log" not in written
    assert NAME not in captured.out + captured.err


def test_log_dir_gives_each_process_its_own_masked_file(tmp_path: Path) -> None:
    configure_logging("INFO", process="actions", log_dir=str(tmp_path / "logs"))
    try:
        logging.getLogger("actions").info("sent code %s to %s", CODE, EMAIL)
        flush()
    finally:
        for handler in list(logging.getLogger().handlers):
            handler.close()
        configure_logging("INFO", process="test")
    written = (tmp_path / "logs" / "actions.log").read_text()
    assert "sent code [code] to [email]" in written


@pytest.mark.parametrize(
    "line",
    [
        "Starting Rasa server on http://127.0.0.1:5005",
        "Loading model models/20261125-035841-pizzicato-ash.tar.gz...",
        "python: 3.10.13, sanic-routing==0.7.2",
    ],
)
def test_server_facts_stay_readable(line: str) -> None:
    assert mask_text(line) == line


def test_rasa_event_dumps_lose_their_values_but_keep_their_names(log_file: Path) -> None:
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

    events = [SlotSet("full_name", NAME), BotUttered(f"Thanks {NAME}", data={"buttons": []})]
    logging.getLogger("rasa.core.actions.action").debug("Validating extracted slots: %s", {"full_name": NAME})
    logging.getLogger("rasa.core.actions.forms").debug(
        "The execution of 'action_extract_slots' resulted in these events: %s.", events
    )
    logging.getLogger("rasa.core.processor").debug("Action 'utter_x' ended with events '%s'.", events)
    logging.getLogger("rasa.core.processor").debug(
        "Logged %s and %s", UserUttered(f"I am {NAME}", intent={"name": "inform", "confidence": 1.0}), events[1]
    )
    logging.getLogger("rasa_sdk.executor").debug(f"Contents of ignored event: '{events[0]}'")
    flush()

    written = log_file.read_text()
    assert "Ottoline" not in written and "Vashkevich" not in written
    assert "SlotSet(key: full_name, value: [redacted])" in written and "intent: inform" in written
