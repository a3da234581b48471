"""Canary: no personal value from the shop reaches a log line, a receipt, a plan or the runs table."""

from __future__ import annotations

import logging

from sqlalchemy import text

from bot.fulfilment import Purpose
from tests.unit.fulfilment.fake_webhook import fake_system
from tests.unit.fulfilment.people import person
from tests.unit.fulfilment.test_webhook import MAP, SECRET

ADA = "ada.demo@example.com"


def test_no_shop_value_appears_in_logs_receipts_plans_or_stored_runs(world, caplog) -> None:
    who = person(world, ADA)
    canaries = who.personal_values() | {"acct-demo-ada"} | {o["order_number"] for o in who.orders}
    caplog.set_level(logging.DEBUG)
    with fake_system() as crm:
        crm.records = {"tickets": [{"email": ADA}]}
        world.environ.update(CRM_URL=crm.url, CRM_SECRET=SECRET)
        service = world.service(MAP)
        try:
            texts = []
            for purpose in (Purpose.ACCESS, Purpose.ERASURE):
                view = service.plan(purpose, {"email": [ADA.upper()], "phone": [who.account["phone"]]})
                service.approve(view.id, "agent-1")
                crm.mode = "500" if purpose is Purpose.ERASURE else "ok"
                done, _ = service.execute(view.id)
                texts.append(repr(done))
                texts += [repr(s.receipt.to_json()) for s in done.steps if s.receipt]
            with service.database.read() as session:
                stored = (
                    session.execute(text("SELECT * FROM fulfilment_runs")).all()
                    + session.execute(text("SELECT * FROM fulfilment_steps")).all()
                )
        finally:
            service.close()
    texts.append(caplog.text)
    texts += [str(value) for row in stored for value in row]
    blob = "\n".join(texts)
    assert "fulfilment" in caplog.text  # the run did log
    assert [value for value in canaries if value in blob] == []
    assert [value for value in canaries if value.lower() in blob.lower()] == []
