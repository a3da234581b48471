"""Property test: any sequence of operations on a stored ticket matches the state-machine model,
and every rejected operation leaves the ticket exactly as it was (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.tickets import AlreadyClaimed, ExtensionNotAllowed, InvalidTransition, NotClaimed, Status
from bot.tickets.states import TERMINAL_STATUSES, TRANSITIONS

AGENTS = ["agent:a", "agent:b"]
operations = st.lists(
    st.one_of(
        st.tuples(st.just("transition"), st.sampled_from(list(Status))),
        st.tuples(st.just("claim"), st.sampled_from(AGENTS)),
        st.tuples(st.just("release"), st.sampled_from(AGENTS)),
        st.tuples(st.just("extend"), st.just("")),
    ),
    max_size=12,
)
_keys = itertools.count()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_stored_ticket_follows_the_model_and_rejections_change_nothing(ticket_service, ops):
    ticket = ticket_service.create(kind="deletion", channel="sms", idempotency_key=f"prop-{next(_keys)}").ticket
    ref = ticket.reference
    status, assignee, version, extensions = ticket.status, None, ticket.version, 0
    for op, arg in ops:
        before = ticket_service.get_by_reference(ref)
        try:
            if op == "transition":
                after = ticket_service.transition(ref, arg, actor="agent:a", expected_version=version)
            elif op == "claim":
                after = ticket_service.claim(ref, agent=arg, expected_version=version)
            elif op == "release":
                after = ticket_service.release(ref, agent=arg, expected_version=version)
            else:
                after = ticket_service.extend(ref, "more time", actor="agent:a", expected_version=version)
        except (InvalidTransition, AlreadyClaimed, NotClaimed, ExtensionNotAllowed):
            assert ticket_service.get_by_reference(ref) == before
            if op == "transition":
                assert arg not in TRANSITIONS[status]
            elif op == "claim":
                assert assignee not in (None, arg) or status in TERMINAL_STATUSES
            elif op == "release":
                assert assignee != arg
            else:
                assert extensions >= 1 or status in TERMINAL_STATUSES
            continue
        if op == "transition":
            assert arg in TRANSITIONS[status]
            status = arg
        elif op == "claim":
            assert assignee in (None, arg) and status not in TERMINAL_STATUSES
            changed = assignee is None
            assignee = arg
            if not changed:
                assert after == before
                continue
        elif op == "release":
            assert assignee == arg
            assignee = None
        else:
            extensions += 1
        assert (after.status, after.assignee, after.extension_count) == (status, assignee, extensions)
        assert after.version == version + 1
        version = after.version
