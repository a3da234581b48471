"""One logging configuration for every process, with personal data masked.

Every entry point (Rasa server, action server, web app, CLI) calls
:func:`configure_logging` first.  It

* installs :class:`MaskingFilter` on every handler: each record's final message
  (after ``%`` formatting) and exception text go through
  :func:`bot.privacy.masking.mask_text`, so DEBUG stays usable and still masks;
* routes structlog through the standard library.  Rasa 3.6 logs many events
  with structlog (``text=``, ``slot_values=``, ``parse_data_text=`` …); unless
  configured, structlog prints *every* level straight to stdout, unmasked.  Here
  its events go to the stdlib logger of the calling module, respect the level,
  and every value whose key is not a known-harmless name is replaced by
  ``[redacted]`` before rendering (masking then runs as for any record);
* optionally writes ``<LOG_DIR>/<process>.log`` (rotated daily, ``LOG_RETENTION_DAYS``
  files kept, default 14) when ``LOG_DIR`` is set.

``LOG_LEVEL=DEBUG`` is the developer switch; INFO is the default.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path
from typing import Any, List, MutableMapping, Optional

from bot.privacy.masking import mask_text

__all__ = ["MaskingFilter", "configure_logging", "configure_structlog", "redact_event_dumps", "REDACTED"]

FORMAT = "%(asctime)s %(levelname)-7s [{process}] %(name)s: %(message)s"
REDACTED = "[redacted]"

# structlog keys whose values are names, counts or positions — never user data.
_STRUCTLOG_SAFE_KEYS = frozenset(
    {
        "event",
        "event_info",
        "event_key",
        "level",
        "log_level",
        "logger",
        "timestamp",
        "action_name",
        "action_extract_slot",
        "policy_name",
        "intent_name",
        "filename",
        "topic",
        "placeholder_key",
        "token_start",
        "token_end",
        "exc_info",
        "stack_info",
    }
)


# Rasa / rasa_sdk DEBUG lines that dump slot values or whole events (read from
# their source): everything after the marker is dropped.
_DUMP_MARKERS = (
    "Validating extracted slots:",
    "resulted in these events:",
    "Contents of ignored event:",
    "Received NLG response:",
    "because it is outdated (",
)
# Event reprs inside other messages: keep the event type and names, drop the values.
_EVENT_VALUES = (
    (re.compile(r"(SlotSet\(key: [^,()]*, value: ).*?(\))(?=[,\]\s'\"]|$)"), r"\1" + "[redacted]" + r"\2"),
    (
        re.compile(r"(UserUttered\(text: ).*?(, intent: [\w.-]*)(?:, entities: .*?)?(, use_text_for_featurization)"),
        r"\1[redacted]\2\3",
    ),
    (
        re.compile(r"(BotUttered\(text: ).*?(, data: ).*?(, metadata: ).*?(\))(?=[,\]\s'\"]|$)"),
        r"\1[redacted]\2[redacted]\3[redacted]\4",
    ),
    (re.compile(r"(BotUttered\()(?!text: |\[redacted\]).*?(, [\d.]+\))"), r"\1[redacted]\2"),  # repr in lists
)


def redact_event_dumps(message: str) -> str:
    """Drop slot values, user and bot texts from Rasa's event dumps (names stay)."""
    for marker in _DUMP_MARKERS:
        at = message.find(marker)
        if at >= 0:
            return message[: at + len(marker)] + " " + REDACTED
    if "SlotSet(" in message or "Uttered(" in message:
        for pattern, replacement in _EVENT_VALUES:
            message = pattern.sub(replacement, message)
    return message


class MaskingFilter(logging.Filter):
    """Mask personal data in a record's message and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_privacy_desk_masked", False):
            return True  # already masked by another handler's filter
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format must not drop the record
            message = str(record.msg)
        record.msg = mask_text(redact_event_dumps(message))
        record.args = None
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_text(formatted)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        record._privacy_desk_masked = True  # type: ignore[attr-defined]
        return True


def _install_filter(handler: logging.Handler) -> None:
    if not any(isinstance(f, MaskingFilter) for f in handler.filters):
        handler.addFilter(MaskingFilter())


def _redact_structlog_values(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key in _STRUCTLOG_SAFE_KEYS or key.startswith("len_"):
            continue
        event_dict[key] = REDACTED
    return event_dict


def configure_process_logging(settings: Any, process: str) -> None:
    """:func:`configure_logging` with the level, ``LOG_DIR`` and ``LOG_RETENTION_DAYS`` of ``settings``."""
    configure_logging(
        settings.log_level, process=process, log_dir=settings.log_dir, log_retention_days=settings.log_retention_days
    )


def configure_structlog() -> None:
    """Send structlog events (Rasa's) through stdlib logging, level-filtered, values redacted."""
    try:
        import structlog
    except ImportError:  # pragma: no cover - structlog comes with Rasa
        return
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            _redact_structlog_values,
            structlog.processors.format_exc_info,
            structlog.processors.KeyValueRenderer(key_order=["event"], drop_missing=True),
        ],
        context_class=dict,
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def _file_handler(process: str, log_file: Optional[str], log_dir: str, keep: int) -> Optional[logging.Handler]:
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        return logging.FileHandler(log_file, encoding="utf-8")
    if not log_dir:
        return None
    Path(log_dir).mkdir(parents=True, exist_ok=True)
    return logging.handlers.TimedRotatingFileHandler(
        str(Path(log_dir) / f"{process}.log"), when="midnight", backupCount=keep, encoding="utf-8", utc=True
    )


def configure_logging(
    level: str = "INFO",
    process: str = "privacy-desk",
    log_file: Optional[str] = None,
    log_dir: str = "",
    log_retention_days: int = 14,
) -> None:
    """Configure the root logger once; safe to call again (idempotent).

    With ``log_dir`` each process also writes ``<log_dir>/<process>.log``, rotated at
    midnight UTC, ``log_retention_days`` files kept (``LOG_DIR`` / ``LOG_RETENTION_DAYS``).
    """
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    formatter = logging.Formatter(FORMAT.format(process=process))
    handlers: List[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    extra = _file_handler(process, log_file, log_dir.strip(), max(1, log_retention_days))
    if extra is not None:
        handlers.append(extra)
    for handler in handlers:
        handler.setFormatter(formatter)
        _install_filter(handler)
        root.addHandler(handler)
    # Libraries that add their own handlers: mask those too.
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            _install_filter(handler)
    numeric = logging.getLevelName(level)
    for noisy in ("sanic.access", "uvicorn.access", "urllib3", "httpx", "matplotlib", "tensorflow", "absl"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, numeric))
    configure_structlog()
