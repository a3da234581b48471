"""The status state machine: explicit table, invalid moves raise, properties hold for any walk."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.tickets.errors import InvalidField, InvalidTransition
from bot.tickets.states import (
    INITIAL_STATUSES,
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    Kind,
    Priority,
    Status,
    check_transition,
    default_priority,
    parse_enum,
)


def reachable(start: Status) -> set:
    seen, todo = {start}, [start]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_documented_happy_path_is_allowed():
    path = [
        Status.AWAITING_VERIFICATION,
        Status.VERIFIED,
        Status.IN_PROGRESS,
        Status.AWAITING_DOCUMENTS,
        Status.IN_PROGRESS,
        Status.AWAITING_REQUESTER,
        Status.COMPLETED,
    ]
    for current, nxt in zip(path, path[1:]):
        check_transition(current, nxt)


def test_every_status_has_an_entry_and_terminals_have_no_exit():
    assert set(TRANSITIONS) == set(Status)
    assert {Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN} == TERMINAL_STATUSES
    for status in TERMINAL_STATUSES:
        assert TRANSITIONS[status] == frozenset()


def test_every_open_status_can_still_end_and_every_status_is_reachable():
    for status in OPEN_STATUSES:
        assert {Status.REJECTED, Status.WITHDRAWN} <= TRANSITIONS[status]
        assert Status.COMPLETED in reachable(status)
    assert set().union(*(reachable(s) for s in INITIAL_STATUSES)) == set(Status)


def test_nothing_completes_without_work_being_done():
    # completed only from in_progress or awaiting_requester: never straight from unverified.
    sources = {s for s, targets in TRANSITIONS.items() if Status.COMPLETED in targets}
    assert sources == {Status.IN_PROGRESS, Status.AWAITING_REQUESTER}


@given(st.sampled_from(list(Status)), st.sampled_from(list(Status)))
def test_check_transition_raises_exactly_for_moves_outside_the_table(current, requested):
    if requested in TRANSITIONS[current]:
        check_transition(current, requested)
    else:
        with pytest.raises(InvalidTransition) as caught:
            check_transition(current, requested)
        assert (caught.value.current, caught.value.requested) == (current.value, requested.value)


@given(st.sampled_from(sorted(INITIAL_STATUSES)), st.lists(st.sampled_from(list(Status)), max_size=30))
def test_any_walk_that_applies_only_allowed_moves_never_leaves_a_terminal_status(start, attempts):
    status = start
    for requested in attempts:
        try:
            check_transition(status, requested)
        except InvalidTransition:
            continue
        assert status not in TERMINAL_STATUSES
        assert status != requested  # no self-loops: every move is a real change
        status = requested


def test_unknown_values_are_domain_errors():
    with pytest.raises(InvalidField):
        parse_enum(Status, "lost", "status")
    with pytest.raises(InvalidField):
        parse_enum(Kind, 3, "kind")
    assert parse_enum(Kind, "stop_using", "kind") is Kind.STOP_USING


def test_parental_requests_are_high_priority():
    assert default_priority(Kind.PARENTAL_DELETION) is Priority.HIGH
    assert {default_priority(k) for k in Kind if k is not Kind.PARENTAL_DELETION} == {Priority.NORMAL}
    assert Priority.HIGH.rank > Priority.NORMAL.rank
    assert Priority.from_rank(Priority.HIGH.rank) is Priority.HIGH
