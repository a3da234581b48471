from tests.fakes.twilio_api import fake_twilio_api  # noqa: F401
