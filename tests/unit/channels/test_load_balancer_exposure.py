"""What the load balancer (deploy/nginx template, filled by run-replicas) exposes to the public."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest

from bot.ops import replicas
from bot.settings import settings_from_environ
from tests.conftest import make_environ

PRODUCTION = dict(
    DATABASE_URL="postgresql://x@127.0.0.1/db", REDIS_URL="redis://127.0.0.1:6379/0", PROFILE="production"
)


def rendered_conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **environ: str) -> str:
    """The nginx config run-replicas would write for these settings (nothing is started)."""
    seen: List[Dict[str, object]] = []

    def capture(settings, layout, run_dir, rest_public=False, **_):
        seen.append({"conf": replicas.render_nginx_conf(layout, run_dir, rest_public=rest_public)})
        raise RuntimeError("stop here")

    monkeypatch.setattr(replicas, "cluster_specs", capture)
    settings = settings_from_environ(make_environ(tmp_path / "var", **PRODUCTION, **environ))
    assert replicas.run_replicas(settings, 2) == 2
    return str(seen[0]["conf"])


def test_enabling_rest_on_the_replicas_does_not_expose_it_at_the_load_balancer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F10: REST_CHANNEL_ENABLED=true in production (load tests) keeps /webhooks/rest/ a 404 at nginx."""
    conf = rendered_conf(tmp_path, monkeypatch, REST_CHANNEL_ENABLED="true")
    assert "location /webhooks/rest/ { return 404; }" in conf
    assert "location /webhooks/rest/ { proxy_pass" not in conf


def test_rest_is_public_only_when_explicitly_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """F10: REST_CHANNEL_PUBLIC=true (with REST enabled) is the one way to expose it."""
    conf = rendered_conf(tmp_path, monkeypatch, REST_CHANNEL_ENABLED="true", REST_CHANNEL_PUBLIC="true")
    assert "location /webhooks/rest/ { proxy_pass http://rasa_replicas; }" in conf
    conf = rendered_conf(tmp_path, monkeypatch, REST_CHANNEL_PUBLIC="true")  # public but not enabled: nothing to expose
    assert "location /webhooks/rest/ { return 404; }" in conf


def test_only_the_public_channels_are_proxied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """F10: Rasa's HTTP API (/conversations, /model, /status) is never proxied; the rest is a 404."""
    conf = rendered_conf(tmp_path, monkeypatch)
    for private in ("/conversations", "/model", "/status", "/version", "/domain"):
        assert f"location {private}" not in conf and f"location = {private}" not in conf
    assert "location / { return 404; }" in conf
    proxied = [
        line.split()[1] for line in conf.splitlines() if line.strip().startswith("location") and "proxy_pass" in line
    ]
    assert set(proxied) <= {
        "/socket.io/",
        "/webhooks/twilio_sms/",
        "/webhooks/twilio_voice/",
        "/webhooks/ready/",
        "/webhooks/socketio/",
        "=",
    }
