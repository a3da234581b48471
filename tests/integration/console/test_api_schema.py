"""Schemathesis against /api/v1/openapi.json with an admin's token: no 5xx, responses match the document."""

from __future__ import annotations

from typing import Dict, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bot.tickets import Kind, Status
from tests.integration.console.conftest import Console


@pytest.fixture
def seeded(console: Console) -> Iterator[Console]:
    for kind in (Kind.ACCESS, Kind.DELETION, Kind.CORRECTION):
        console.ticket(kind=kind)
    console.ticket(kind=Kind.PARENTAL_DELETION, status=Status.AWAITING_DOCUMENTS)
    yield console


@pytest.fixture
def api_schema(seeded: Console):
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", seeded.app)


@pytest.fixture
def admin_headers(seeded: Console) -> Dict[str, str]:
    return seeded.token("root")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_never_fails_with_5xx_and_matches_its_openapi_document(case, admin_headers: Dict[str, str]) -> None:
    # The brief's contract: no 5xx, and every status code, content type, header and body as documented.
    # (Schemathesis' stricter negative-data checks would, e.g., count unknown query parameters as invalid.)
    case.call_and_validate(
        headers=admin_headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )
