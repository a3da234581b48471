"""The ticket page offers only what can be done, never records a reveal twice, and words a bot's check neutrally."""

from __future__ import annotations

from bot.tickets import AuditAction, RevealReason, Status
from tests.integration.console.conftest import Console
from tests.integration.console.test_console_tickets import _post


def _reveals(console: Console, reference: str) -> int:
    return sum(e.action is AuditAction.PERSONAL_DATA_REVEALED for e in console.services.tickets.history(reference))


def test_extend_is_offered_only_while_an_extension_is_left(console: Console) -> None:
    ticket = console.ticket()
    client = console.login("alice")
    _post(client, ticket.reference, "claim", expected_version=ticket.version)
    page = client.get(f"/console/tickets/{ticket.reference}")
    assert f'action="/console/tickets/{ticket.reference}/extend"' in page.text
    held = console.services.tickets.get_by_reference(ticket.reference)
    assert (
        _post(client, ticket.reference, "extend", reason="Complex request", expected_version=held.version).status_code
        == 303
    )
    page = client.get(f"/console/tickets/{ticket.reference}")
    assert f'action="/console/tickets/{ticket.reference}/extend"' not in page.text
    assert 'id="no-extension"' in page.text


def test_release_is_not_offered_on_a_closed_ticket_even_to_its_holder(console: Console) -> None:
    ticket = console.ticket()
    client = console.login("alice")
    _post(client, ticket.reference, "claim", expected_version=ticket.version)
    assert f'/console/tickets/{ticket.reference}/release"' in client.get(f"/console/tickets/{ticket.reference}").text
    tickets = console.services.tickets
    tickets.transition(ticket.reference, Status.IN_PROGRESS, actor="agent:alice")
    tickets.transition(ticket.reference, Status.COMPLETED, actor="agent:alice", reason_code="fulfilled")
    page = client.get(f"/console/tickets/{ticket.reference}")
    assert 'id="holder"' in page.text and f'/console/tickets/{ticket.reference}/release"' not in page.text


def test_reloading_after_a_reveal_shows_the_data_again_without_a_second_reveal(console: Console) -> None:
    ticket = console.ticket()
    client = console.login("alice")
    posted = _post(client, ticket.reference, "reveal", reason="fulfil_request")
    assert posted.status_code == 303 and "Ada" not in posted.headers["location"]
    for _ in range(3):  # the page and two reloads
        page = client.get(posted.headers["location"])
        assert page.status_code == 200 and "Ada Lovelace" in page.text
    assert _reveals(console, ticket.reference) == 1


def test_a_reveal_receipt_shows_nothing_to_another_agent_or_on_another_ticket(console: Console) -> None:
    ticket, other = console.ticket(), console.ticket()
    location = _post(console.login("alice"), ticket.reference, "reveal", reason="fulfil_request").headers["location"]
    bob = console.login("bob")
    page = bob.get(location)
    assert "Ada Lovelace" not in page.text and "no longer shown" in page.text
    receipt = location.split("revealed=")[1].split("#")[0]
    elsewhere = console.login("alice").get(f"/console/tickets/{other.reference}?revealed={receipt}")
    assert "Ada Lovelace" not in elsewhere.text
    assert _reveals(console, ticket.reference) == 1 and _reveals(console, other.reference) == 0


def test_a_bots_status_check_reads_as_a_contact_check_not_a_reveal(console: Console) -> None:
    ticket = console.ticket()
    console.services.tickets.reveal_personal_data(ticket.reference, actor="bot", reason=RevealReason.VERIFY_IDENTITY)
    console.services.tickets.reveal_personal_data(
        ticket.reference, actor="agent:bob", reason=RevealReason.QUALITY_REVIEW
    )
    page = console.login("alice").get(f"/console/tickets/{ticket.reference}")
    history = page.text.split('id="history-title"')[1]
    assert "contact checked for a status request" in history
    assert history.count("personal data revealed") == 1  # bob's, a person who saw it
    audit = console.login("root").get("/console/admin/audit").text
    assert "contact checked for a status request" in audit
