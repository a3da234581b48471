"""The agent console in Debian's headless Chromium (Playwright): a whole case, a lost claim race, inert hostile text.

Skips when /usr/bin/chromium is missing outside CI; fails in CI.  Screenshots go
to ``test-results/console/`` (git-ignored; CI keeps them as artefacts).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Iterator, List

import pytest

from bot.settings import PROJECT_ROOT
from bot.tickets import Kind, PersonalData, Status
from tests.integration.console.conftest import _console
from tests.integration.stack import free_port
from tests.unit.console.support import PASSWORD, migrated_sqlite_url

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = PROJECT_ROOT / "test-results" / "console"
HOSTILE = '<script>window.__pwned = 1; alert(1)</script> "><img src=x onerror="window.__pwned = 2">'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required in CI (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    import uvicorn

    base = tmp_path_factory.mktemp("console-browser")
    generator = _console(migrated_sqlite_url(base / "db"), base)
    console = next(generator)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            console.app, host="127.0.0.1", port=port, log_config=None, access_log=False, log_level="warning", ws="none"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the console server did not start")
        time.sleep(0.05)
    try:
        yield console, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        generator.close()


@pytest.fixture(scope="module")
def browser(served) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _log_in(browser, base_url: str, username: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}/console/queue")
    assert "/console/login" in page.url
    # Keyboard only: the username field has focus, Tab to the password, Enter submits.
    page.wait_for_selector("#username:focus")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/console/queue")
    return context, page


def test_agent_logs_in_claims_reveals_notes_replies_and_completes(served, browser) -> None:
    console, base_url = served
    ticket = console.ticket(kind=Kind.ACCESS)
    context, page = _log_in(browser, base_url, "alice")
    bob_context, bob = _log_in(browser, base_url, "bob")
    try:
        assert page.locator(f"a[href='/console/tickets/{ticket.reference}']").is_visible()
        _shot(page, "01-queue")
        page.click(f"a[href='/console/tickets/{ticket.reference}']")
        bob.goto(f"{base_url}/console/tickets/{ticket.reference}")  # Bob looks at the same ticket, unclaimed

        page.click("#claim")
        assert page.locator("#holder").inner_text() == "alice"
        _shot(page, "02-claimed")

        bob.click("#claim")
        assert "Already claimed by alice" in bob.locator("#error").inner_text()
        assert bob.locator("#holder").inner_text() == "alice"
        _shot(bob, "03-second-agent-cannot-claim")

        assert "Ada Lovelace" not in page.content()
        page.select_option("#reveal-reason", "fulfil_request")
        page.click("#reveal")
        assert "Ada Lovelace" in page.locator("#personal-data").inner_text()
        _shot(page, "04-revealed")

        page.fill("#note-body", "Checked the customer directory.")
        page.click("text=Add note")
        assert "Checked the customer directory." in page.locator("#notes").inner_text()

        page.click("text=Start work")
        assert page.locator("#ticket-status").inner_text() == "in progress"
        page.fill("#reply-message", "We have your request and will answer within 45 days.")
        page.click("text=Send reply")
        assert "Reply sent to the requester" in page.content()
        assert console.services.outbox.latest().body.startswith("We have your request")

        page.select_option("#outcome", "fulfilled")
        page.click("#complete")
        assert page.locator("#ticket-status").inner_text() == "completed"
        _shot(page, "05-completed")
        assert console.services.tickets.get_by_reference(ticket.reference).status is Status.COMPLETED
    finally:
        context.close()
        bob_context.close()


def test_hostile_ticket_text_renders_inert(served, browser) -> None:
    console, base_url = served
    ticket = console.ticket(
        personal=PersonalData(requester_name=HOSTILE, email="ada@example.com", details=HOSTILE), transcript=HOSTILE
    )
    console.services.tickets.add_note(ticket.reference, HOSTILE, author="agent:bob")
    context, page = _log_in(browser, base_url, "alice")
    dialogs: List[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(f"{base_url}/console/tickets/{ticket.reference}")
        page.select_option("#reveal-reason", "quality_review")
        page.click("#reveal")
        page.wait_for_timeout(300)
        assert dialogs == []
        assert page.evaluate("window.__pwned === undefined")
        assert page.locator("img").count() == 0
        assert HOSTILE in page.locator("#transcript").inner_text()
        assert HOSTILE in page.locator("#personal-data").inner_text()
        _shot(page, "06-hostile-text-inert")
    finally:
        context.close()
