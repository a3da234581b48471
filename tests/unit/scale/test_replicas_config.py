"""run-replicas configuration: the load balancer config, the layout, the profile checks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.ops.replicas import ReplicaLayout, cluster_specs, default_layout, render_nginx_conf, run_replicas
from bot.settings import settings_from_environ
from tests.conftest import make_environ

LAYOUT = ReplicaLayout(lb_port=5005, rasa_ports=[5101, 5102, 5103], action_ports=[5151, 5152, 5153], web_port=8000)


def test_the_load_balancer_sends_to_every_replica(tmp_path: Path) -> None:
    conf = render_nginx_conf(LAYOUT, tmp_path)
    for port in LAYOUT.rasa_ports:
        assert f"server 127.0.0.1:{port} " in conf
    assert "listen 127.0.0.1:5005" in conf
    assert "{{" not in conf, "every placeholder is filled"


def test_the_load_balancer_hides_rest_unless_load_testing(tmp_path: Path) -> None:
    assert "location /webhooks/rest/ { return 404; }" in render_nginx_conf(LAYOUT, tmp_path)
    assert "location /webhooks/rest/ { proxy_pass http://rasa_replicas; }" in render_nginx_conf(
        LAYOUT, tmp_path, rest_public=True
    )


def test_the_load_balancer_never_retries_a_turn_that_reached_a_replica(tmp_path: Path) -> None:
    conf = render_nginx_conf(LAYOUT, tmp_path)
    assert "proxy_next_upstream error timeout;" in conf
    assert "non_idempotent" not in conf


@pytest.mark.skipif(not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()), reason="nginx not installed")
def test_the_rendered_config_is_valid_nginx(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(render_nginx_conf(LAYOUT, tmp_path))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_default_layout_puts_nginx_on_the_public_rasa_port(tmp_path: Path) -> None:
    settings = settings_from_environ(make_environ(tmp_path, RASA_PORT="6005", REPLICA_BASE_PORT="7000"))
    layout = default_layout(settings, 2)
    assert layout.lb_port == 6005
    assert list(layout.rasa_ports) == [7001, 7002] and list(layout.action_ports) == [7051, 7052]


def test_each_rasa_replica_talks_to_its_own_action_server(tmp_path: Path) -> None:
    settings = settings_from_environ(make_environ(tmp_path))
    specs = {spec.name: spec for spec in cluster_specs(settings, LAYOUT, tmp_path / "lb")}
    for i in range(3):
        assert specs[f"rasa-{i + 1}"].env["ACTION_PORT"] == str(LAYOUT.action_ports[i])
        assert specs[f"actions-{i + 1}"].env["ACTION_PORT"] == str(LAYOUT.action_ports[i])
        assert specs[f"rasa-{i + 1}"].health_url.endswith("/webhooks/ready/"), "replicas count as up when ready"
    assert specs["load balancer"].stop_signal.name == "SIGQUIT", "nginx drains on SIGQUIT"


def test_each_replica_runs_a_notice_sender(tmp_path: Path) -> None:
    settings = settings_from_environ(make_environ(tmp_path))
    specs = {spec.name: spec for spec in cluster_specs(settings, LAYOUT, tmp_path / "lb")}
    senders = [specs[f"notices-{i + 1}"] for i in range(3)]
    assert all(spec.command[-5:] == ["bot.jobs.notices", "send", "--loop", "--interval", "2"] for spec in senders)
    assert all(spec.port == 0 and spec.health_url == "" for spec in senders), "a worker, ready while it runs"


def test_run_replicas_refuses_the_local_profile_and_says_what_to_set(tmp_path: Path, capsys) -> None:
    settings = settings_from_environ(make_environ(tmp_path))
    assert run_replicas(settings, 2) == 2
    err = capsys.readouterr().err
    assert "PROFILE=production" in err and "DATABASE_URL" in err and "REDIS_URL" in err


def test_rest_is_on_locally_off_in_production_unless_switched_on(tmp_path: Path) -> None:
    production = dict(
        DATABASE_URL="postgresql://x@127.0.0.1/db", REDIS_URL="redis://127.0.0.1:6379/0", PROFILE="production"
    )
    assert settings_from_environ(make_environ(tmp_path)).rest_channel_enabled
    assert not settings_from_environ(make_environ(tmp_path, **production)).rest_channel_enabled
    assert settings_from_environ(make_environ(tmp_path, REST_CHANNEL_ENABLED="true", **production)).rest_channel_enabled
    assert not settings_from_environ(make_environ(tmp_path, REST_CHANNEL_ENABLED="false")).rest_channel_enabled


def test_a_malformed_rest_switch_is_refused_at_startup(tmp_path: Path) -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="REST_CHANNEL_ENABLED"):
        settings_from_environ(make_environ(tmp_path, REST_CHANNEL_ENABLED="perhaps"))
