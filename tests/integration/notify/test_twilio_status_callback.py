"""With a public web app URL, every SMS asks Twilio for delivery reports at the notices' status webhook."""

from __future__ import annotations

from types import SimpleNamespace

from bot.notify import TwilioSmsSender
from bot.notify.twilio_sms import STATUS_CALLBACK_PATH, status_callback_url


def test_an_sms_asks_twilio_to_report_its_delivery_to_the_status_webhook(fake_twilio_api) -> None:  # noqa: ANN001
    callback = status_callback_url(SimpleNamespace(public_console_url="https://desk.example.com/"))
    assert callback == "https://desk.example.com" + STATUS_CALLBACK_PATH
    TwilioSmsSender(
        fake_twilio_api.account_sid,
        fake_twilio_api.auth_token,
        "+15005550006",
        api_base=fake_twilio_api.base_url,
        status_callback=callback,
    ).send_sms("+12025550100", "hi")
    assert fake_twilio_api.requests[0].form["StatusCallback"] == callback


def test_without_a_public_web_app_url_no_report_is_asked_for(fake_twilio_api) -> None:  # noqa: ANN001
    assert status_callback_url(SimpleNamespace(public_console_url="")) is None
    TwilioSmsSender(
        fake_twilio_api.account_sid, fake_twilio_api.auth_token, "+15005550006", api_base=fake_twilio_api.base_url
    ).send_sms("+12025550100", "hi")
    assert "StatusCallback" not in fake_twilio_api.requests[0].form
