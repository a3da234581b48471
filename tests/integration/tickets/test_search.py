"""Ticket search: by reference in any format, by e-mail or phone through the blind index, by filters; paged by cursor."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Dict, List
from zoneinfo import ZoneInfo

import pytest

from bot.privacy.crypto import DataCipher
from bot.tickets import Channel, InvalidField, Kind, PersonalData, Status, TicketView
from bot.tickets.search import SearchQuery, TicketSearch, classify
from bot.tickets.service import TicketService

PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def search(ticket_service: TicketService, keys) -> TicketSearch:
    return TicketSearch(ticket_service, keys.indexer())


@pytest.fixture
def seeded(ticket_service: TicketService) -> Dict[str, TicketView]:
    def make(key: str, kind: Kind, channel: Channel, email: str, phone: str, received: datetime) -> TicketView:
        return ticket_service.create(
            kind=kind,
            channel=channel,
            idempotency_key=key,
            received_at=received,
            personal=PersonalData(email=email, phone=phone),
        ).ticket

    return {
        "ada": make(
            "ada",
            Kind.ACCESS,
            Channel.SMS,
            "Ada@Example.com",
            "+12025550143",
            datetime.combine(date(2026, 3, 2), time(9), tzinfo=PACIFIC),
        ),
        "ada_again": make(
            "ada2",
            Kind.DELETION,
            Channel.WEB,
            "ada@example.com",
            "+12025550143",
            datetime.combine(date(2026, 3, 9), time(23, 59), tzinfo=PACIFIC),
        ),
        "bob": make(
            "bob",
            Kind.CORRECTION,
            Channel.VOICE,
            "bob@example.com",
            "+14155550100",
            datetime.combine(date(2026, 3, 10), time(0, 0), tzinfo=PACIFIC),
        ),
    }


def refs(page) -> List[str]:
    return sorted(t.reference for t in page.items)


@pytest.mark.parametrize(
    "shape", [str, str.lower, lambda r: r.replace("-", " "), lambda r: r[3:], lambda r: r.replace("0", "O")]
)
def test_a_reference_is_found_in_any_format_an_agent_might_type(search: TicketSearch, seeded, shape) -> None:
    ticket = seeded["bob"]
    page = search.search(SearchQuery(text=shape(ticket.reference)))
    assert refs(page) == [ticket.reference] and page.total == 1


def test_an_email_finds_every_ticket_of_that_requester_whatever_the_case(search: TicketSearch, seeded) -> None:
    page = search.search(SearchQuery(text="  ADA@example.COM "))
    assert refs(page) == sorted([seeded["ada"].reference, seeded["ada_again"].reference])


@pytest.mark.parametrize("typed", ["+1 202 555 0143", "(202) 555-0143", "202.555.0143", "+12025550143"])
def test_a_phone_number_finds_the_requester_however_it_is_written(search: TicketSearch, seeded, typed: str) -> None:
    assert refs(search.search(SearchQuery(text=typed))) == sorted(
        [seeded["ada"].reference, seeded["ada_again"].reference]
    )


def test_searching_by_email_or_phone_never_decrypts_the_table(search: TicketSearch, seeded, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("search decrypted personal data")

    monkeypatch.setattr(DataCipher, "decrypt", refuse)
    monkeypatch.setattr(DataCipher, "decrypt_json", refuse)
    assert search.search(SearchQuery(text="bob@example.com")).total == 1
    assert search.search(SearchQuery(text="415 555 0100")).total == 1


def test_text_that_is_no_reference_email_or_phone_is_refused_without_repeating_it() -> None:
    with pytest.raises(InvalidField) as caught:
        classify("secret name")
    assert "secret" not in str(caught.value)


def test_filters_by_status_kind_and_channel_combine(
    search: TicketSearch, ticket_service: TicketService, seeded
) -> None:
    ticket_service.transition(seeded["bob"].reference, Status.REJECTED, actor="agent:alice")
    assert refs(search.search(SearchQuery(statuses=["rejected"]))) == [seeded["bob"].reference]
    assert refs(search.search(SearchQuery(kinds=["deletion"]))) == [seeded["ada_again"].reference]
    assert refs(search.search(SearchQuery(channels=["sms"]))) == [seeded["ada"].reference]
    assert refs(search.search(SearchQuery(text="ada@example.com", kinds=["access"]))) == [seeded["ada"].reference]
    page = search.search(SearchQuery(text="ada@example.com"))
    assert page.counts_by_status["awaiting_verification"] == 2 and page.counts_by_status["rejected"] == 0


def test_a_received_date_range_is_inclusive_in_the_business_time_zone(search: TicketSearch, seeded) -> None:
    # 9 March 23:59 Pacific is 10 March in UTC, but it is received on the 9th where the business is.
    page = search.search(SearchQuery(received_from=date(2026, 3, 3), received_to=date(2026, 3, 9)))
    assert refs(page) == [seeded["ada_again"].reference]
    assert refs(search.search(SearchQuery(received_from=date(2026, 3, 10)))) == [seeded["bob"].reference]
    with pytest.raises(InvalidField):
        search.search(SearchQuery(received_from=date(2026, 3, 10), received_to=date(2026, 3, 9)))


def test_due_filters_match_the_queue_markers(
    search: TicketSearch, ticket_service: TicketService, seeded, clock
) -> None:
    today = clock().date()
    overdue = search.search(SearchQuery(due="overdue", today=today))
    expected = sorted(t.reference for t in seeded.values() if t.respond_by < today)
    assert refs(overdue) == expected


def test_results_page_by_cursor_without_skipping_or_repeating(
    search: TicketSearch, ticket_service: TicketService
) -> None:
    made = {
        ticket_service.create(
            kind=Kind.ACCESS,
            channel=Channel.WEB,
            idempotency_key=f"p{i}",
            personal=PersonalData(email="same@example.com"),
        ).ticket.reference
        for i in range(7)
    }
    seen: List[str] = []
    page = search.search(SearchQuery(text="same@example.com", limit=3))
    seen += [t.reference for t in page.items]
    while page.next_cursor:
        page = search.search(SearchQuery(text="same@example.com", limit=3, after=page.next_cursor))
        seen += [t.reference for t in page.items]
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen)) == 7
    assert page.total == 7
