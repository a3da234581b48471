"""The web chat in a real browser against the running stack."""

from __future__ import annotations

import pytest

from tests.chromium import launch, screenshot_path

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def test_user_says_hello_sees_reply_and_keeps_the_session_after_reload(stack) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.goto(f"http://localhost:{stack.settings.web_port}/")
            expect(page.locator("#status")).to_have_text("Online", timeout=30_000)
            expect(page.locator("#send")).to_be_enabled(timeout=30_000)
            page.fill("#message", "hello")
            page.keyboard.press("Enter")
            bot_replies = page.locator(".msg--bot")
            expect(bot_replies.last).to_contain_text("privacy assistant", timeout=30_000)
            expect(page.locator("#quick button").first).to_be_visible()
            session_before = page.evaluate("sessionStorage.getItem('privacy-desk-session')")
            page.screenshot(path=str(screenshot_path("webchat-hello")), full_page=True)

            page.reload()
            expect(page.locator("#status")).to_have_text("Online", timeout=30_000)
            expect(page.locator(".msg--user")).to_contain_text(["hello"])
            expect(page.locator("#send")).to_be_enabled(timeout=30_000)
            assert page.evaluate("sessionStorage.getItem('privacy-desk-session')") == session_before

            page.fill("#message", "what can you do?")
            page.keyboard.press("Enter")
            expect(bot_replies.last).to_contain_text("I can:", timeout=30_000)
            page.screenshot(path=str(screenshot_path("webchat-after-reload")), full_page=True)
        finally:
            browser.close()
