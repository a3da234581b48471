"""Twilio webhook latency: our SMS channel against Rasa 3.6's own Twilio connector, same run.

    .venv/bin/python bench/twilio_webhooks.py                 # turn of 2 s, 20 requests each
    .venv/bin/python bench/twilio_webhooks.py --turn 5 --requests 10

Both channels run on one real Sanic server on loopback, in front of the same
stub bot whose turn takes ``--turn`` seconds (a slow action).  Requests are
signed form posts like Twilio's.  Twilio gives a webhook 15 s; Rasa's
connector holds the webhook for the whole turn, ours signs-checks, records the
MessageSid and answers with empty TwiML, running the turn in the background.
Also: the voice channel with a turn longer than its budget (``One moment`` +
Redirect) so the caller never waits past it.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa.core.channels.twilio import TwilioInput  # noqa: E402

from bot.settings import settings_from_environ  # noqa: E402
from tests.conftest import make_environ  # noqa: E402
from tests.unit.channels.harness import SMS_PATH, VOICE_PATH, ChannelServer, StubBot, call_sid, message_sid  # noqa: E402


def _summary(name: str, timings: List[float]) -> str:
    timings = sorted(timings)
    p95 = timings[max(0, int(round(0.95 * len(timings))) - 1)]
    return f"{name:<44} median {statistics.median(timings) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms   max {timings[-1] * 1000:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turn", type=float, default=2.0, help="seconds the stub bot takes per turn")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "var"
        var.mkdir()
        settings = settings_from_environ(make_environ(var))
        bot = StubBot(replies=lambda text: [], delay=args.turn)
        server = ChannelServer(settings, bot, turn_seconds=min(10.0, args.turn / 2))
        baseline = TwilioInput(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_number, debug_mode=False)
        server.app.blueprint(baseline.blueprint(bot), url_prefix="/webhooks/twilio")
        server.start()
        try:
            ours, theirs, voice = [], [], []
            for i in range(args.requests):
                params = {"MessageSid": message_sid(), "From": "+12025550143", "To": settings.twilio_number, "Body": f"q{i}"}
                started = time.perf_counter()
                assert server.post(SMS_PATH, params).status_code == 200
                ours.append(time.perf_counter() - started)
                started = time.perf_counter()
                assert server.post("/webhooks/twilio/webhook", params).status_code == 204
                theirs.append(time.perf_counter() - started)
            for _ in range(max(3, args.requests // 4)):
                params = {"CallSid": call_sid(), "From": "+12025550143", "SpeechResult": "a slow question"}
                started = time.perf_counter()
                assert server.post(VOICE_PATH, params, query="step=gather&silence=0").status_code == 200
                voice.append(time.perf_counter() - started)
            server.drain()
        finally:
            server.stop()

    print(f"Twilio webhooks, stub turn of {args.turn:.1f} s, {args.requests} SMS requests each (loopback, signed):")
    print(_summary("SMS, Privacy Desk channel (answers at once)", ours))
    print(_summary("SMS, Rasa 3.6 TwilioInput (baseline)", theirs))
    print(_summary(f"voice, turn budget {server.voice.turn_seconds:.1f} s (then Redirect)", voice))
    print(f"speed-up on SMS: {statistics.median(theirs) / statistics.median(ours):.0f}x (median)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
