"""A parental request with a phone contact does not reveal whether that number texted STOP (finding F11)."""

from __future__ import annotations

import re
import secrets

from actions.privacy_requests.parental_validation import ValidateParentalForm
from actions.privacy_requests.services import RequestServices, set_services
from bot.notify.optouts import OptOutRegistry
from bot.notify.outbox import Outbox, OutboxNotifier
from bot.privacy.crypto import DataCipher, Indexer, generate_key
from bot.verification import VerificationService
from bot.verification.codes import CheckResult, CodeStore
from tests.unit.requests.support import build_tracker, run_action, slotsets

OPTED_OUT, REACHABLE = "+12025550147", "+12025550148"
PARENT = {
    "parent_name": "Pat Demo",
    "relationship": "parent",
    "child_name": "Finn Demo",
    "child_account": "finn",
    "child_age": 11.0,
}


def services_with_optouts(backend, cipher):
    indexer, data = Indexer(secrets.token_urlsafe(32)), DataCipher([generate_key()])
    optouts = OptOutRegistry(backend.database, indexer)
    optouts.opt_out(OPTED_OUT)
    outbox = Outbox(backend.database, data, indexer)
    verification = VerificationService(CodeStore(backend.database, indexer, data), OutboxNotifier(outbox, optouts))
    set_services(RequestServices(backend.tickets, verification, 2, cipher))
    return verification, outbox


async def confirm(number: str):
    slots = {**PARENT, "parent_contact": number, "requested_slot": "parental_confirmed", "parental_confirmed": "yes"}
    events, messages = await run_action(
        ValidateParentalForm(), build_tracker("yes", "affirm", slots=slots, active_loop="parental_form")
    )
    return slotsets(events), " ".join(m.get("text") or "" for m in messages)


async def test_an_opted_out_parent_number_gets_the_same_reply_as_any_other(backend, cipher):
    """F11: the reply to a parental request with a phone contact is the same whether or not the number texted STOP."""
    verification, outbox = services_with_optouts(backend, cipher)
    stopped_slots, stopped = await confirm(OPTED_OUT)
    reachable_slots, reachable = await confirm(REACHABLE)
    assert re.sub(r"\d{4}", "####", stopped) == re.sub(r"\d{4}", "####", reachable)
    assert "STOP" not in stopped.split("If no text arrives")[0]
    assert stopped_slots.get("challenge_id") and reachable_slots.get("challenge_id")
    assert stopped_slots.get("request_outcome") == reachable_slots.get("request_outcome")
    assert outbox.latest(to=OPTED_OUT) is None and outbox.latest(to=REACHABLE) is not None
    # The opted-out number's challenge is a decoy: no code passes it.
    assert verification.check_code(stopped_slots["challenge_id"], "000000") is CheckResult.WRONG
