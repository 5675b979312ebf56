"""Property-based fuzzing of the whole HTTP API from its OpenAPI description (schemathesis).

For every operation, schemathesis generates requests from the schema (valid and
invalid parameters and bodies) and sends them to the app; none may end in a 5xx,
and every answer must match what the schema promises. The number of examples is
kept modest so the suite stays within its time budget; a heavier round (marked
``slow``) runs only when ``SOJOURN_FUZZ_EXAMPLES`` asks for it, e.g.
``SOJOURN_FUZZ_EXAMPLES=150 pytest tests/test_web_fuzz.py``.
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from sojourn.web.app import create_app  # noqa: E402
from sojourn.web.jobs import Capacity  # noqa: E402

APP = create_app(Capacity(workers=1, queue=4, cache_mb=64), hosts=("testserver", "localhost"), warm=False)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)

FAST = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
HEAVY_EXAMPLES = int(os.environ.get("SOJOURN_FUZZ_EXAMPLES", "0") or 0)
HEAVY = settings(max_examples=max(1, HEAVY_EXAMPLES), deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", autouse=True)
def running_app():
    """Run the app's start-up (its worker pool) for the whole module."""
    with TestClient(APP, base_url="http://localhost"):
        yield


def _check(case) -> None:
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    if response.status_code >= 400:  # every error is one line: {"error", "where"} (and key, line)
        body = response.json()
        assert isinstance(body.get("error"), str) and body["error"] and "where" in body
        assert "Traceback" not in response.text
    if response.status_code == 413:  # a body over the size limit is refused before it is read: nothing to conform
        return
    # Every documented check but one: dates, windows and scenarios are checked by the library beyond
    # what the schema can say, so a schema-valid request may rightly be refused (422).
    case.validate_response(response, excluded_checks=[positive_data_acceptance])


@SCHEMA.parametrize()
@FAST
def test_no_request_breaks_the_server(case):
    _check(case)


@pytest.mark.slow
@pytest.mark.skipif(HEAVY_EXAMPLES <= 0, reason="the heavier fuzzing round runs when SOJOURN_FUZZ_EXAMPLES is set")
@SCHEMA.parametrize()
@HEAVY
def test_no_request_breaks_the_server_heavier(case):
    _check(case)
