"""Working tickets in the console: queue, claim race, reveal, notes, replies, transitions, bad input."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from bot.tickets import (
    AuditAction,
    Channel,
    Kind,
    NoteKind,
    PersonalData,
    Status,
    Verification,
    VerificationLevel,
    VerificationMethod,
)
from tests.integration.console.conftest import Console, csrf_of


def _token(client, reference: str) -> str:
    return csrf_of(client.get(f"/console/tickets/{reference}").text)


def _post(client, reference: str, action: str, **data):
    token = _token(client, reference)
    return client.post(
        f"/console/tickets/{reference}/{action}", data={"csrf_token": token, **{k: str(v) for k, v in data.items()}}
    )


def test_queue_lists_open_tickets_by_due_date_with_overdue_red_and_soon_amber(any_console: Console) -> None:
    console = any_console
    now = datetime.now(timezone.utc)
    console.clock.now = now
    later = console.ticket(received_at=now)
    soon = console.ticket(received_at=now - timedelta(days=43))
    late = console.ticket(received_at=now - timedelta(days=60))
    closed = console.ticket()
    console.services.tickets.transition(
        closed.reference, Status.REJECTED, actor="agent:root", reason_code="duplicate_request"
    )
    today = now.date()
    assert late.respond_by < today <= soon.respond_by <= today + timedelta(days=3) < later.respond_by
    page = console.login("alice").get("/console/queue")
    assert page.status_code == 200
    rows = re.findall(r'<tr class="([^"]*)">\s*<td><a href="/console/tickets/([^"]+)"', page.text)
    assert [ref for _, ref in rows] == [late.reference, soon.reference, later.reference]
    assert dict((ref, cls) for cls, ref in rows) == {
        late.reference: "due--overdue",
        soon.reference: "due--soon",
        later.reference: "",
    }
    assert closed.reference not in page.text


def test_queue_filters_counts_and_pagination(console: Console) -> None:
    for _ in range(27):
        console.ticket(kind=Kind.DELETION)
    console.ticket(kind=Kind.ACCESS)
    client = console.login("alice")
    first = client.get("/console/queue?kind=deletion")
    assert first.text.count('href="/console/tickets/') == 25
    assert "28 tickets" not in first.text and "27 tickets" in first.text
    assert 'rel="next"' in first.text
    second = client.get("/console/queue?kind=deletion&page=2")
    assert second.text.count('href="/console/tickets/') == 2 and 'rel="next"' not in second.text
    counts = re.search(r"verified <span class=\"count\">(\d+)</span>", first.text)
    assert counts and counts.group(1) == "27"
    access = console.services.tickets.list_queue(kinds=["access"]).items[0]
    _post(client, access.reference, "claim", expected_version=access.version)
    mine = client.get("/console/queue?assigned=mine")
    assert mine.text.count('href="/console/tickets/') == 1 and access.reference in mine.text
    unassigned = client.get("/console/queue?assigned=unassigned&kind=access")
    assert "No tickets match" in unassigned.text


def test_second_agent_cannot_claim_and_sees_who_holds_it(any_console: Console) -> None:
    console = any_console
    ticket = console.ticket()
    alice = console.login("alice")
    bob = console.login("bob")
    bob_token = _token(bob, ticket.reference)
    assert _post(alice, ticket.reference, "claim", expected_version=ticket.version).status_code == 303
    response = bob.post(
        f"/console/tickets/{ticket.reference}/claim",
        data={"csrf_token": bob_token, "expected_version": str(ticket.version)},
    )
    assert response.status_code == 409
    assert "Already claimed by alice" in response.text
    assert console.services.tickets.get_by_reference(ticket.reference).assignee == "agent:alice"


def test_personal_data_is_hidden_until_revealed_with_a_reason_and_the_reveal_is_audited(any_console: Console) -> None:
    console = any_console
    ticket = console.ticket()
    client = console.login("alice")
    page = client.get(f"/console/tickets/{ticket.reference}")
    assert "ada@example.com" not in page.text and "Ada Lovelace" not in page.text
    missing = _post(client, ticket.reference, "reveal", reason="")
    assert missing.status_code == 422 and "Ada Lovelace" not in missing.text
    posted = _post(client, ticket.reference, "reveal", reason="verify_identity")
    assert posted.status_code == 303  # post/redirect/get: a reload re-reads, never re-posts
    revealed = client.get(posted.headers["location"])
    assert "Ada Lovelace" in revealed.text and "ada@example.com" in revealed.text
    events = [
        e for e in console.services.tickets.history(ticket.reference) if e.action is AuditAction.PERSONAL_DATA_REVEALED
    ]
    assert [(e.actor, e.reason_code) for e in events] == [("agent:alice", "verify_identity")]
    assert "Ada Lovelace" not in client.get(f"/console/tickets/{ticket.reference}").text


def test_full_case_claim_note_reply_complete(console: Console) -> None:
    ticket = console.ticket()
    client = console.login("alice")
    ref = ticket.reference
    assert _post(client, ref, "claim", expected_version=ticket.version).status_code == 303
    assert _post(client, ref, "note", body="Checked the account.").status_code == 303
    view = console.services.tickets.get_by_reference(ref)
    assert _post(client, ref, "move", to="in_progress", expected_version=view.version).status_code == 303
    view = console.services.tickets.get_by_reference(ref)
    reply = _post(client, ref, "reply", message="We are working on your request.", expected_version=view.version)
    assert reply.status_code == 303 and reply.headers["location"].endswith("done=replied")
    sent = console.services.outbox.latest()
    assert sent.channel.value == "sms" and sent.to == "+12025550143" and sent.body == "We are working on your request."
    view = console.services.tickets.get_by_reference(ref)
    done = _post(client, ref, "complete", outcome="fulfilled", note="Sent the data.", expected_version=view.version)
    assert done.status_code == 303
    final = console.services.tickets.get_by_reference(ref)
    assert final.status is Status.COMPLETED
    notes = console.services.tickets.notes(ref)
    assert [(n.kind, n.body) for n in notes] == [
        (NoteKind.INTERNAL, "Checked the account."),
        (NoteKind.REPLY, "We are working on your request."),
        (NoteKind.INTERNAL, "Sent the data."),
    ]
    history = console.services.tickets.history(ref)
    [closing] = [e for e in history if e.to_status is Status.COMPLETED]
    assert closing.reason_code == "fulfilled"
    # The completion notice read the verified contact through an audited reveal, after the change.
    assert history[-1].actor == "system:notices" and history[-1].reason_code == "contact_requester"
    assert [n.kind.value for n in console.services.notices.for_ticket(ref)] == ["completed"]
    page = client.get(f"/console/tickets/{ref}")
    assert "Reply to requester" in page.text and "completed" in page.text


def test_extend_shows_the_new_due_date_and_a_second_extension_is_refused(console: Console) -> None:
    ticket = console.ticket()
    client = console.login("alice")
    _post(client, ticket.reference, "claim", expected_version=ticket.version)
    view = console.services.tickets.get_by_reference(ticket.reference)
    assert (
        _post(client, ticket.reference, "extend", reason="Complex request", expected_version=view.version).status_code
        == 303
    )
    extended = console.services.tickets.get_by_reference(ticket.reference)
    assert extended.respond_by > ticket.respond_by
    page = client.get(f"/console/tickets/{ticket.reference}")
    assert extended.respond_by.isoformat() in page.text and "Complex request" in page.text
    again = _post(client, ticket.reference, "extend", reason="More time", expected_version=extended.version)
    assert again.status_code == 409 and "No extension possible" in again.text


def test_request_documents_queues_the_documents_notice_to_the_number_the_code_confirmed(console: Console) -> None:
    import uuid

    ticket = console.services.tickets.create(
        kind=Kind.PARENTAL_DELETION,
        channel=Channel.SMS,
        status=Status.AWAITING_VERIFICATION,
        idempotency_key=uuid.uuid4().hex,
        personal=PersonalData(requester_name="Ada Lovelace", phone="+12025550143"),
        verification=Verification(VerificationMethod.SMS_CODE, VerificationLevel.NONE, ("phone",)),
    ).ticket
    client = console.login("alice")
    _post(client, ticket.reference, "claim", expected_version=ticket.version)
    view = console.services.tickets.get_by_reference(ticket.reference)
    assert _post(client, ticket.reference, "request-documents", expected_version=view.version).status_code == 303
    assert console.services.tickets.get_by_reference(ticket.reference).status is Status.AWAITING_DOCUMENTS
    [notice] = console.services.notices.for_ticket(ticket.reference)
    assert (notice.kind.value, notice.channel, notice.recipient) == ("documents", "sms", "the number ending 0143")
    page = client.get(f"/console/tickets/{ticket.reference}").text
    assert 'id="notices"' in page and "the number ending 0143" in page and "+12025550143" not in page


def test_request_documents_sends_nothing_to_an_unconfirmed_contact(console: Console) -> None:
    ticket = console.ticket(kind=Kind.PARENTAL_DELETION, status=Status.AWAITING_VERIFICATION)
    client = console.login("alice")
    _post(client, ticket.reference, "claim", expected_version=ticket.version)
    view = console.services.tickets.get_by_reference(ticket.reference)
    assert _post(client, ticket.reference, "request-documents", expected_version=view.version).status_code == 303
    assert console.services.tickets.get_by_reference(ticket.reference).status is Status.AWAITING_DOCUMENTS
    assert console.services.notices.for_ticket(ticket.reference) == []
    assert console.services.outbox.latest() is None
    assert "no verified contact" in console.services.tickets.notes(ticket.reference)[-1].body


def test_reply_to_an_unverified_requester_is_refused(console: Console) -> None:
    ticket = console.ticket(status=Status.AWAITING_VERIFICATION)
    client = console.login("alice")
    _post(client, ticket.reference, "claim", expected_version=ticket.version)
    view = console.services.tickets.get_by_reference(ticket.reference)
    response = _post(client, ticket.reference, "reply", message="hello", expected_version=view.version)
    assert response.status_code == 409 and "not verified" in response.text
    assert console.services.outbox.latest() is None
    assert console.services.tickets.notes(ticket.reference) == []


def _bot_filed_unmatched(console: Console, method: VerificationMethod):
    """What the bot files when a code confirmed the contact but the details matched no customer record."""
    import uuid

    return console.services.tickets.create(
        kind=Kind.DELETION,
        channel=Channel.SMS,
        status=Status.AWAITING_VERIFICATION,
        idempotency_key=uuid.uuid4().hex,
        personal=PersonalData(requester_name="Ada Lovelace", email="ada@example.com", phone="+12025550143"),
        verification=Verification(method, VerificationLevel.NONE, ()),
    ).ticket


def test_agent_may_write_to_the_code_confirmed_contact_of_an_unmatched_request_only(console: Console) -> None:
    for method, channel in ((VerificationMethod.EMAIL_CODE, "email"), (VerificationMethod.SMS_CODE, "sms")):
        ticket = _bot_filed_unmatched(console, method)
        client = console.login("alice")
        _post(client, ticket.reference, "claim", expected_version=ticket.version)
        view = console.services.tickets.get_by_reference(ticket.reference)
        response = _post(
            client,
            ticket.reference,
            "reply",
            message="Please confirm your date of birth.",
            expected_version=view.version,
        )
        assert response.status_code == 303, response.text
        sent = console.services.outbox.latest()
        assert sent.channel.value == channel and sent.to == (
            "ada@example.com" if channel == "email" else "+12025550143"
        )


def test_identity_checked_by_the_agent_marks_an_unmatched_request_verified_by_agent(console: Console) -> None:
    ticket = _bot_filed_unmatched(console, VerificationMethod.EMAIL_CODE)
    client = console.login("alice")
    _post(client, ticket.reference, "claim", expected_version=ticket.version)
    page = client.get(f"/console/tickets/{ticket.reference}").text
    assert "Identity checked: mark verified" in page and "Documents received" not in page
    view = console.services.tickets.get_by_reference(ticket.reference)
    assert _post(client, ticket.reference, "move", to="verified", expected_version=view.version).status_code == 303
    after = console.services.tickets.get_by_reference(ticket.reference)
    assert after.status is Status.VERIFIED and after.verification.method is VerificationMethod.AGENT
    assert any(e.reason_code == "identity_checked_by_agent" for e in console.services.tickets.history(ticket.reference))


def test_changes_need_the_ticket_to_be_held(console: Console) -> None:
    ticket = console.ticket()
    alice = console.login("alice")
    bob = console.login("bob")
    _post(alice, ticket.reference, "claim", expected_version=ticket.version)
    view = console.services.tickets.get_by_reference(ticket.reference)
    response = _post(bob, ticket.reference, "move", to="in_progress", expected_version=view.version)
    assert response.status_code == 409 and "alice holds this ticket" in response.text
    release = _post(bob, ticket.reference, "release", expected_version=view.version)
    assert release.status_code == 409
    assert console.services.tickets.get_by_reference(ticket.reference).version == view.version


def test_stale_form_is_refused_with_a_clear_message_and_nothing_written(console: Console) -> None:
    ticket = console.ticket()
    client = console.login("alice")
    _post(client, ticket.reference, "claim", expected_version=ticket.version)
    loaded = console.services.tickets.get_by_reference(ticket.reference)
    token = _token(client, ticket.reference)
    # Someone (another tab) changes the ticket after the page was loaded.
    console.services.tickets.extend(ticket.reference, "Complex", actor="agent:alice", expected_version=loaded.version)
    response = client.post(
        f"/console/tickets/{ticket.reference}/move",
        data={"csrf_token": token, "to": "in_progress", "expected_version": str(loaded.version)},
    )
    assert response.status_code == 409
    assert "changed since you loaded it" in response.text
    assert console.services.tickets.get_by_reference(ticket.reference).status is Status.VERIFIED


def test_invalid_transitions_are_refused(console: Console) -> None:
    ticket = console.ticket()
    client = console.login("alice")
    _post(client, ticket.reference, "claim", expected_version=ticket.version)
    view = console.services.tickets.get_by_reference(ticket.reference)
    # verified → completed is not in the state machine (work must start first).
    response = _post(client, ticket.reference, "complete", outcome="fulfilled", expected_version=view.version)
    assert response.status_code == 409 and "Not allowed while the ticket is verified" in response.text
    bogus = _post(client, ticket.reference, "move", to="completed", expected_version=view.version)
    assert bogus.status_code == 422
    unknown = _post(client, ticket.reference, "complete", outcome="made_up", expected_version=view.version)
    assert unknown.status_code == 422
    assert console.services.tickets.get_by_reference(ticket.reference).status is Status.VERIFIED


def test_oversize_note_is_refused_and_kept_in_the_form(console: Console) -> None:
    ticket = console.ticket()
    client = console.login("alice")
    response = _post(client, ticket.reference, "note", body="x" * 10_001)
    assert response.status_code == 422
    assert "at most 10,000 characters" in response.text
    assert "x" * 10_001 in response.text
    assert console.services.tickets.notes(ticket.reference) == []
    assert _post(client, ticket.reference, "note", body="y" * 10_000).status_code == 303


def test_request_bodies_over_the_cap_are_refused(console: Console) -> None:
    ticket = console.ticket()
    client = console.login("alice")
    token = _token(client, ticket.reference)
    response = client.post(
        f"/console/tickets/{ticket.reference}/note", data={"csrf_token": token, "body": "z" * 300_000}
    )
    assert response.status_code == 413
    assert console.services.tickets.notes(ticket.reference) == []


def test_unknown_ticket_gives_a_clear_404(console: Console) -> None:
    client = console.login("alice")
    assert client.get("/console/tickets/PD-ZZZZ-ZZZZ").status_code == 404
    token = csrf_of(client.get("/console/queue").text)
    response = client.post("/console/tickets/nonsense/claim", data={"csrf_token": token})
    assert response.status_code == 404 and "No ticket with that reference" in response.text


def test_hostile_ticket_text_renders_inert(console: Console) -> None:
    hostile = '<script>alert(1)</script> "><img src=x onerror=alert(2)>'
    ticket = console.ticket(
        personal=PersonalData(requester_name=hostile, email="ada@example.com", details=hostile), transcript=hostile
    )
    console.services.tickets.add_note(ticket.reference, hostile, author="agent:bob")
    client = console.login("alice")
    page = client.get(_post(client, ticket.reference, "reveal", reason="fulfil_request").headers["location"])
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;img src=x onerror=alert(2)&gt;" in page.text


def test_transcript_is_masked(console: Console) -> None:
    ticket = console.ticket(transcript="user: my email is ada@example.com and phone +1 202 555 0143")
    page = console.login("alice").get(f"/console/tickets/{ticket.reference}")
    assert "ada@example.com" not in page.text and "[email]" in page.text


def test_access_export_downloads_the_package_and_is_audited(console: Console) -> None:
    ticket = console.ticket(kind=Kind.ACCESS)
    client = console.login("alice")
    response = _post(client, ticket.reference, "export")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="{ticket.reference}-export.json"'
    assert response.json()["personal_data"]["email"] == "ada@example.com"
    assert any(e.action is AuditAction.EXPORTED for e in console.services.tickets.history(ticket.reference))
    deletion = console.ticket(kind=Kind.DELETION)
    assert _post(client, deletion.reference, "export").status_code == 409


def test_admin_manages_agents_and_reads_audit_log_and_outbox(console: Console) -> None:
    admin = console.login("root")
    token = csrf_of(admin.get("/console/admin/agents").text)
    created = admin.post(
        "/console/admin/agents",
        data={"csrf_token": token, "username": "carol", "password": "a long enough password", "role": "agent"},
    )
    assert created.status_code == 303
    weak = admin.post(
        "/console/admin/agents", data={"csrf_token": token, "username": "dave", "password": "short", "role": "agent"}
    )
    assert weak.status_code == 422 and "at least 12 characters" in weak.text
    carol = console.login("carol", "a long enough password")
    assert admin.post("/console/admin/agents/carol/disable", data={"csrf_token": token}).status_code == 303
    assert carol.get("/console/queue").status_code == 303
    audit = admin.get("/console/admin/audit")
    assert "agent disabled" in audit.text and "carol" in audit.text
    ticket = console.ticket()
    history = admin.get(f"/console/admin/audit?reference={ticket.reference}")
    assert "created" in history.text
    console.services.work.notifier.send_email("ada@example.com", "Subject", "Body text")
    assert "Body text" in admin.get("/console/admin/outbox").text


def test_agent_issues_an_api_token_shown_once(console: Console) -> None:
    client = console.login("alice")
    token = csrf_of(client.get("/console/account").text)
    posted = client.post("/console/account/tokens", data={"csrf_token": token, "label": "laptop"})
    assert posted.status_code == 303  # post/redirect/get: a reload issues no second token
    page = client.get(posted.headers["location"])
    raw = re.search(r'<pre class="token" id="new-token">([^<]+)</pre>', page.text).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).json()["username"] == "alice"
    assert raw not in client.get("/console/account").text
    assert len(console.services.accounts.list_tokens("alice")) == 1


def test_admin_reassigns_a_held_ticket_and_agents_cannot(console: Console) -> None:
    ticket = console.ticket()
    alice = console.login("alice")
    _post(alice, ticket.reference, "claim", expected_version=ticket.version)
    held = console.services.tickets.get_by_reference(ticket.reference)
    forbidden = _post(alice, ticket.reference, "reassign", to="bob", expected_version=held.version)
    assert forbidden.status_code == 403
    admin = console.login("root")
    page = admin.get(f"/console/tickets/{ticket.reference}")
    assert 'id="reassign-to"' in page.text
    assert _post(admin, ticket.reference, "reassign", to="bob", expected_version=held.version).status_code == 303
    assert console.services.tickets.get_by_reference(ticket.reference).assignee == "agent:bob"
    trail = admin.get("/console/admin/audit")
    assert trail.status_code == 200 and "reassigned" in trail.text and ticket.reference in trail.text
