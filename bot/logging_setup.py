"""One logging configuration for every process, with personal data masked.

Rasa at DEBUG prints slot values and whole messages; our own code might slip.
The filter rewrites every record's final message (after ``%`` formatting) and
exception text through :func:`bot.privacy.masking.mask_text`, on every handler,
so DEBUG stays usable for developers and still masks.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Optional

from bot.privacy.masking import mask_text

__all__ = ["MaskingFilter", "configure_logging"]

FORMAT = "%(asctime)s %(levelname)-7s [{process}] %(name)s: %(message)s"


class MaskingFilter(logging.Filter):
    """Mask personal data in a record's message and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format must not drop the record
            message = str(record.msg)
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_text(formatted)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def _install_filter(handler: logging.Handler) -> None:
    if not any(isinstance(f, MaskingFilter) for f in handler.filters):
        handler.addFilter(MaskingFilter())


def configure_logging(level: str = "INFO", process: str = "privacy-desk", log_file: Optional[str] = None) -> None:
    """Configure the root logger once; safe to call again (idempotent)."""
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    formatter = logging.Formatter(FORMAT.format(process=process))
    handlers = [logging.StreamHandler(sys.stderr)]
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        _install_filter(handler)
        root.addHandler(handler)
    # Libraries that add their own handlers: mask those too.
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            _install_filter(handler)
    for noisy in ("sanic.access", "uvicorn.access", "urllib3", "httpx", "matplotlib", "tensorflow", "absl"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
