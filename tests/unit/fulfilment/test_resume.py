"""A run killed in the middle of a system resumes: every system is erased exactly once, none half."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from bot.fulfilment import Purpose, RunBusy
from bot.fulfilment.connectors.sql import SqlConnector
from tests.unit.fulfilment.people import person
from tests.unit.fulfilment.support import PROJECT_ROOT

ADA = "ada.demo@example.com"

# Executes an approved run and SIGKILLs itself when the marketing system issues its
# second statement (the newsletter delete), i.e. inside that system's transaction.
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from sqlalchemy import event
    from bot.fulfilment import FulfilmentService, load_datamap, open_systems
    from bot.privacy.crypto import DataCipher
    from bot.settings import settings_from_environ
    from bot.storage.db import init_db

    settings = settings_from_environ(os.environ)
    systems = open_systems(load_datamap("datamap.yml"), settings)
    engine = systems.engines["marketing"]

    @event.listens_for(engine, "before_cursor_execute")
    def die(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("DELETE FROM NEWSLETTER_SUBSCRIBERS"):
            os.kill(os.getpid(), signal.SIGKILL)

    service = FulfilmentService(init_db(settings), DataCipher(list(settings.data_keys)), systems, digest="test")
    service.execute(sys.argv[1])
    """
)


def planned(world, **kwargs):
    service = world.service(**kwargs)
    view = service.plan(Purpose.ERASURE, {"email": [ADA]})
    service.approve(view.id, "agent-1")
    return service, view.id


def test_a_process_killed_inside_a_system_resumes_and_erases_each_system_once(world) -> None:
    who = person(world, ADA)
    service, run_id = planned(world)
    try:
        environ = {**os.environ, **world.environ}
        killed = subprocess.run([sys.executable, "-c", KILLER, run_id], cwd=PROJECT_ROOT, env=environ, timeout=120)
        assert killed.returncode == -9
        steps = {s.system: s for s in service.view(run_id).steps}
        assert (
            steps["shop"].status == "done"
            and steps["marketing"].status == "running"
            and steps["support"].status == "pending"
        )
        # The killed transaction left marketing whole: the preference row it had already deleted is back.
        assert [r for r in world.rows("marketing_preferences") if r["account_id"] == who.id]
        assert [r for r in world.rows("newsletter_subscribers") if r["email"] == ADA]

        with pytest.raises(RunBusy):
            service.execute(run_id)  # the dead executor's lease has not expired
        view, _ = service.execute(run_id, break_lease=True)
        steps = {s.system: s for s in view.steps}
        assert {name: s.status for name, s in steps.items()} == {
            "shop": "done",
            "marketing": "done",
            "support": "done",
            "returns_binder": "waiting",
        }
        assert (steps["shop"].attempts, steps["marketing"].attempts, steps["support"].attempts) == (1, 2, 1)
        assert steps["shop"].receipt.changed == len(who.orders) + len(who.addresses) + 1
        assert steps["marketing"].receipt.changed == len(who.preferences) + len(who.newsletter)
        assert not [r for r in world.rows("marketing_preferences") if r["account_id"] == who.id]
    finally:
        service.close()


def test_an_interrupted_step_is_retried_and_completed_steps_are_never_run_again(sqlite_world, monkeypatch) -> None:
    calls = []
    real_erase = SqlConnector.erase

    def counting_erase(self, known, purpose, request_id):
        calls.append(self.system.name)
        if self.system.name == "support" and calls.count("support") == 1:
            raise KeyboardInterrupt  # the process is stopped mid-run
        return real_erase(self, known, purpose, request_id)

    monkeypatch.setattr(SqlConnector, "erase", counting_erase)
    service, run_id = planned(sqlite_world)
    try:
        with pytest.raises(KeyboardInterrupt):
            service.execute(run_id)
        view, _ = service.execute(run_id, break_lease=True)
        view, _ = service.execute(run_id, break_lease=True)  # a third call finds nothing left to do
    finally:
        service.close()
    assert calls == ["shop", "marketing", "support", "support"]
    assert [s.status for s in view.steps] == ["done", "done", "done", "waiting"]


def test_an_operator_sees_and_resumes_a_run_from_the_shell(sqlite_world, monkeypatch, capsys) -> None:
    from bot import cli

    for key, value in sqlite_world.environ.items():
        monkeypatch.setenv(key, value)
    service, run_id = planned(sqlite_world, digest=None)
    service.close()
    assert cli.main(["fulfilment", "status", run_id]) == 0
    assert "approved" in capsys.readouterr().out
    assert cli.main(["fulfilment", "resume", run_id]) == 0
    out = capsys.readouterr().out
    assert "shop                 done" in out and "returns_binder       waiting" in out and ADA not in out
    assert cli.main(["fulfilment", "status", "0" * 32]) == 1


def test_two_executors_racing_on_one_run_erase_each_system_once(world, monkeypatch) -> None:
    import threading
    import time

    calls = []
    real_erase = SqlConnector.erase

    def slow_erase(self, known, purpose, request_id):
        calls.append(self.system.name)
        time.sleep(0.2)
        return real_erase(self, known, purpose, request_id)

    monkeypatch.setattr(SqlConnector, "erase", slow_erase)
    service, run_id = planned(world)
    outcomes = []

    def run() -> None:
        try:
            service.execute(run_id)
            outcomes.append("ran")
        except RunBusy:
            outcomes.append("busy")

    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["busy", "ran"]
        assert sorted(calls) == ["marketing", "shop", "support"]
        assert [s.attempts for s in service.view(run_id).steps] == [1, 1, 1, 1]
    finally:
        service.close()
