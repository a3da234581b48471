"""Raw SQL over every table (and the SQLite file's bytes) holds none of the planted canaries."""

from __future__ import annotations

import logging
import shutil
from datetime import date
from typing import List

from sqlalchemy import text

from bot.storage.db import init_db
from bot.tickets import PersonalData, TicketService

from .conftest import TABLES

CANARY = PersonalData(
    requester_name="Zebulon Quixwort",
    email="zebulon.quixwort@canary.example",
    phone="+1 415 555 0199",
    date_of_birth=date(1961, 7, 23),
    account_id="ACCT-QX-99173",
    postal_address="17 Canaryfield Lane, Springfield",
    child_name="Philomena Quixwort",
    child_date_of_birth=date(2016, 2, 29),
    details="Please delete everything about Zebulon Quixwort",
)
NEEDLES: List[str] = [
    "Zebulon",
    "Quixwort",
    "quixwort",
    "Philomena",
    "canary.example",
    "4155550199",
    "555 0199",
    "1961-07-23",
    "19610723",
    "2016-02-29",
    "ACCT-QX-99173",
    "Canaryfield",
]


def exercise(service: TicketService) -> None:
    ticket = service.create(
        kind="parental_deletion",
        channel="sms",
        idempotency_key="sms-conv:Quixwort",
        personal=CANARY,
        transcript="user: my name is Zebulon Quixwort",
    ).ticket
    ref = ticket.reference
    service.transition(ref, "verified", actor="bot")
    service.claim(ref, agent="agent:alice")
    service.transition(ref, "in_progress", actor="agent:alice")
    service.add_note(ref, "Spoke to Zebulon Quixwort at 4155550199", author="agent:alice")
    service.extend(ref, "Waiting on records for Philomena Quixwort", actor="agent:alice")
    service.reveal_personal_data(ref, actor="agent:alice", reason="fulfil_request")
    service.export_package(ref, actor="agent:alice")
    assert service.find_by_email(CANARY.email or "")[0].reference == ref


def dump_tables(service: TicketService) -> str:
    parts = []
    with service.database.engine.connect() as connection:
        for table in TABLES:
            for row in connection.execute(text(f"SELECT * FROM {table}")):  # noqa: S608 - table names from the TABLES constant
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def test_raw_sql_holds_no_canary_personal_data(ticket_service, caplog):
    caplog.set_level(logging.DEBUG)
    exercise(ticket_service)
    dumped = dump_tables(ticket_service)
    assert "parental_deletion" in dumped  # the dump really holds the ticket
    for needle in NEEDLES:
        assert needle.lower() not in dumped.lower(), needle
        assert needle.lower() not in caplog.text.lower(), needle


def test_sqlite_file_bytes_hold_no_canary_personal_data(tmp_path, sqlite_template, keys):
    path = tmp_path / "raw.db"
    shutil.copyfile(sqlite_template, path)
    database = init_db(f"sqlite:///{path}")
    try:
        exercise(TicketService(database, keys.cipher(), keys.indexer()))
    finally:
        database.dispose()
    blobs = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"parental_deletion" in blobs
    for needle in NEEDLES:
        assert needle.lower().encode() not in blobs.lower(), needle
