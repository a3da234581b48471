"""A run's stored identities are encrypted and survive a key rotation."""

from __future__ import annotations

from sqlalchemy import text

from bot.fulfilment import FulfilmentService, Purpose
from bot.fulfilment.store import rotate_run_keys
from bot.privacy.crypto import DataCipher, generate_key

ADA = "ada.demo@example.com"


def test_identities_are_stored_encrypted_and_rotate_to_a_new_key(sqlite_world) -> None:
    service = sqlite_world.service()
    old_key = sqlite_world.environ["DATA_KEYS"]
    new_key = generate_key()
    try:
        view = service.plan(Purpose.ERASURE, {"email": [ADA]})
        service.approve(view.id, "agent-1")
        with service.database.read() as session:
            stored = session.execute(text("SELECT identities_ct FROM fulfilment_runs")).scalar_one()
        assert ADA.encode() not in bytes(stored)
        assert rotate_run_keys(service.database, DataCipher([new_key, old_key])) == 1
        rotated = FulfilmentService(service.database, DataCipher([new_key]), service.systems, digest="test")
        done, _ = rotated.execute(view.id)
        assert {s.system: s.status for s in done.steps}["shop"] == "done"
    finally:
        service.close()


def test_a_finished_erasure_forgets_the_identities_it_was_run_for(sqlite_world) -> None:
    service = sqlite_world.service()
    try:
        view = service.plan(Purpose.ERASURE, {"email": [ADA]})
        service.approve(view.id, "agent-1")
        service.execute(view.id)
        assert service.cipher.decrypt_json(
            service.store.secret_parts(view.id)["identities_ct"]
        )  # a manual step still waits
        service.complete_manual(view.id, "returns_binder", "agent-1")
        assert service.cipher.decrypt_json(service.store.secret_parts(view.id)["identities_ct"]) == {}
    finally:
        service.close()


def test_old_access_runs_forget_their_identities(sqlite_world) -> None:
    from datetime import timedelta

    service = sqlite_world.service()
    try:
        view = service.plan(Purpose.ACCESS, {"email": [ADA]})
        service.approve(view.id, "agent-1")
        service.execute(view.id)
        assert service.forget_old_access_runs(timedelta(days=30)) == 0
        assert service.forget_old_access_runs(timedelta(seconds=-1)) == 1
        assert service.cipher.decrypt_json(service.store.secret_parts(view.id)["identities_ct"]) == {}
    finally:
        service.close()
