"""``python -m bot.webapp``: serve the web app with uvicorn (masked logging, no access log)."""

from __future__ import annotations

import uvicorn

from bot.logging_setup import configure_process_logging
from bot.settings import load_settings
from bot.webapp.app import create_app


def main() -> int:
    settings = load_settings()
    configure_process_logging(settings, "web")
    host = settings.web_interface
    uvicorn.run(
        create_app(settings),
        host=host,
        port=settings.web_port,
        access_log=False,
        log_config=None,
        ws="none",  # the web app serves no websockets (web chat talks to Rasa directly)
        # X-Forwarded-For is believed only from TRUSTED_PROXIES (none by default: the peer is the client)
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=settings.keep_alive_timeout_s,  # an idle connection is closed after this
        # Body size and read time are bounded by RequestLimitsMiddleware (uvicorn has no body timeout).
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
