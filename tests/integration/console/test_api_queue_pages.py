"""GET /api/v1/tickets pages by cursor as well as by offset; every answer matches the OpenAPI document."""

from __future__ import annotations

from typing import List

import schemathesis

from bot.tickets import Kind, Status
from bot.webapp.openapi import openapi_document
from tests.integration.console.conftest import Console

TICKETS = "/api/v1/tickets"


def _checked(response):
    schemathesis.openapi.from_dict(openapi_document())[TICKETS]["GET"].validate_response(response)
    return response


def test_next_cursor_walks_the_whole_queue_once_in_order(console: Console) -> None:
    for kind in (Kind.ACCESS, Kind.DELETION, Kind.CORRECTION, Kind.ACCESS, Kind.STOP_USING):
        console.ticket(kind=kind)
    console.ticket(kind=Kind.PARENTAL_DELETION, status=Status.AWAITING_DOCUMENTS)
    client, headers = console.client(), console.token("alice")
    whole = [
        t["reference"] for t in _checked(client.get(TICKETS, headers=headers, params={"limit": 50})).json()["items"]
    ]
    walked: List[str] = []
    page = _checked(client.get(TICKETS, headers=headers, params={"limit": 4})).json()
    while True:
        walked += [t["reference"] for t in page["items"]]
        if page["next_cursor"] is None:
            break
        page = _checked(client.get(TICKETS, headers=headers, params={"limit": 4, "cursor": page["next_cursor"]})).json()
        assert page["next_offset"] is None and page["total"] == 6
    assert walked == whole and len(whole) == 6


def test_a_malformed_cursor_is_a_422_naming_the_field(console: Console) -> None:
    response = _checked(console.client().get(TICKETS, headers=console.token("alice"), params={"cursor": "not-ours"}))
    assert response.status_code == 422 and response.json()["field"] == "cursor"
