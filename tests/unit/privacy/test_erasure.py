"""Our own data on request: completing a verified deletion deletes the requester's conversations."""

from __future__ import annotations

from typing import Any, List

import pytest

from bot.privacy.conversations import ConversationEraser, ConversationRecords
from bot.settings import Settings
from bot.storage.migrate import upgrade
from bot.tickets.service import TicketService
from bot.tickets.types import PersonalData
from tests.unit.privacy.test_retention import NOW, add_events, session


@pytest.fixture
def service(settings: Settings) -> TicketService:
    upgrade(settings.database_url)
    return TicketService.from_settings(settings)


@pytest.fixture
def records(settings: Settings) -> ConversationRecords:
    built = ConversationRecords.from_settings(settings)
    built.create_schema()
    add_events(built, "requester-chat", session(NOW))
    add_events(built, "someone-else", session(NOW))
    return built


def file_request(service: TicketService, kind: str, conversation_id: str, key: str) -> str:
    status = "awaiting_documents" if kind == "parental_deletion" else "verified"
    return service.create(
        kind=kind,
        channel="web",
        idempotency_key=key,
        status=status,
        personal=PersonalData(email="requester@example.org"),
        conversation_id=conversation_id,
    ).ticket.reference


def complete(service: TicketService, reference: str, path: List[str]) -> None:
    for status in path:
        service.transition(reference, status, actor="agent:alice")


def audit_codes(service: TicketService, reference: str) -> List[str]:
    return [event.reason_code or "" for event in service.history(reference)]


def test_the_ticket_store_uses_the_conversation_records_as_its_eraser(service: TicketService) -> None:
    assert isinstance(service._conversation_eraser, ConversationEraser)  # noqa: SLF001


@pytest.mark.parametrize(
    "kind, path",
    [("deletion", ["in_progress", "completed"]), ("parental_deletion", ["verified", "in_progress", "completed"])],
)
def test_completing_a_deletion_erases_the_requesters_conversation_only(
    service: TicketService, records: ConversationRecords, kind: str, path: List[str]
) -> None:
    reference = file_request(service, kind, "requester-chat", f"key-{kind}")
    assert records.count_events("requester-chat") == 6

    complete(service, reference, path)

    assert records.count_events("requester-chat") == 0
    assert records.count_events("someone-else") == 6
    assert "conversations_erased.e6" in audit_codes(service, reference)


def test_conversations_stay_until_the_deletion_is_completed(
    service: TicketService, records: ConversationRecords
) -> None:
    reference = file_request(service, "deletion", "requester-chat", "key-pending")
    complete(service, reference, ["in_progress"])
    assert records.count_events("requester-chat") == 6


@pytest.mark.parametrize("kind, path", [("access", ["in_progress", "completed"]), ("deletion", ["rejected"])])
def test_other_outcomes_keep_the_conversation(
    service: TicketService, records: ConversationRecords, kind: str, path: List[str]
) -> None:
    reference = file_request(service, kind, "requester-chat", f"key-{kind}-{path[-1]}")
    complete(service, reference, path)
    assert records.count_events("requester-chat") == 6


def test_an_eraser_failure_keeps_the_completion_and_is_audited(settings: Settings, service: TicketService) -> None:
    class BrokenEraser:
        def link(self, reference: str, conversation_id: str) -> None:
            pass

        def erase_for_ticket(self, reference: str) -> Any:
            raise RuntimeError("tracker database down")

    service._conversation_eraser = BrokenEraser()  # noqa: SLF001
    reference = file_request(service, "deletion", "requester-chat", "key-broken")

    complete(service, reference, ["in_progress", "completed"])

    assert service.get_by_reference(reference).status.value == "completed"
    assert "conversations_not_erased" in audit_codes(service, reference)


def test_the_link_holds_no_conversation_id(service: TicketService, records: ConversationRecords) -> None:
    file_request(service, "deletion", "requester-chat-7731", "key-link")
    with records.engine.connect() as connection:
        dump = repr(connection.exec_driver_sql("SELECT * FROM conversation_links").all())
    assert "requester-chat-7731" not in dump and records.key("requester-chat-7731") in dump
