"""Key rotation of the verification/notify ciphertexts, and outbox purge."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bot.notify.outbox import Outbox, OutboxNotifier
from bot.privacy.crypto import DataCipher, generate_key
from bot.verification.codes import CheckResult, CodeStore
from bot.verification.directory import SqlCustomerDirectory
from bot.verification.maintenance import rotate_keys


def test_rotation_re_encrypts_everything_so_the_old_key_can_be_dropped(database, indexer, clock):
    old_key, new_key = generate_key(), generate_key()
    old = DataCipher([old_key])
    SqlCustomerDirectory(database, old, indexer, clock=clock).seed()
    issued = CodeStore(database, indexer, old, clock=clock).issue("email", "ada.demo@example.com")
    OutboxNotifier(Outbox(database, old, indexer, clock=clock)).send_email("ada.demo@example.com", "Subject", "Body")

    counts = rotate_keys(database, DataCipher([new_key, old_key]), batch_size=2)
    assert counts == {"verification_challenges": 1, "customers": 5, "outbox": 1}

    new_only = DataCipher([new_key])
    assert SqlCustomerDirectory(database, new_only, indexer).get("demo-ada").full_name == "Ada Demo"
    assert Outbox(database, new_only, indexer).latest().subject == "Subject"
    assert CodeStore(database, indexer, new_only, clock=clock).check(issued.challenge_id, issued.code) is CheckResult.OK
    with database.engine.connect() as connection:
        token = connection.execute(text("SELECT contact_ct FROM verification_challenges")).scalar_one()
    assert new_only.decrypt(bytes(token)) == "ada.demo@example.com"


def test_outbox_purge_deletes_old_messages_only(database, cipher, indexer, clock):
    outbox = Outbox(database, cipher, indexer, clock=clock)
    notifier = OutboxNotifier(outbox)
    notifier.send_sms("+12025550100", "old")
    clock.advance(days=31)
    notifier.send_sms("+12025550100", "new")
    assert outbox.purge(timedelta(days=30)) == 1
    assert [m.body for m in outbox.list()] == ["new"]
