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
