"""Property-based API test: schemathesis generates requests from the OpenAPI schema, in process.

Every operation in ``/openapi.json`` (new routes are picked up as they land) gets up to
``MAX_EXAMPLES`` generated requests that fit the schema and as many that break it, against a
real app over the fake-embedder index of the seed corpus. The property checked is the one
that matters on the public web: no input makes the service answer 5xx.

The operations are driven from one test rather than ``@schema.parametrize()``: schemathesis'
fixture-based (lazy) parametrization renames pytest nodes through an attribute pytest 9 no
longer has, and a schema loaded at import time would build an index during collection.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from api.app import create_app
from rag.service import Assistant
from wtguide.settings import Settings

MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def api_schema(fake_index: Path, tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    index_settings = Settings(data_dir=fake_index.parent, embedder="fake", _env_file=None)  # type: ignore[call-arg]
    assistant = Assistant.from_settings(index_settings)
    # Feedback rows go to a data dir of the test's own; the rate limit is kept out of the way of generated traffic.
    app_settings = Settings(
        data_dir=tmp_path_factory.mktemp("schema-data"), embedder="fake", rate_limit="100000/minute",
        _env_file=None,  # type: ignore[call-arg]
    )
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(app_settings, assistant))


def run_operation(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=[not_a_server_error])

    check()


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
                         ids=["valid-input", "invalid-input"])
def test_no_input_makes_a_server_error(api_schema: schemathesis.BaseSchema, mode: schemathesis.GenerationMode) -> None:
    operations, failures = [], []
    for result in api_schema.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:
            failures.append(f"an operation schemathesis cannot test: {result.err()}")
    assert len(operations) >= 6, "the schema lost its API operations"
    for operation in operations:
        try:
            run_operation(operation, mode)
        except Unsatisfiable:
            # An operation without inputs (GET /healthz) has no invalid request to make.
            assert mode is schemathesis.GenerationMode.NEGATIVE, f"{operation.label}: no valid request generated"
        except Exception as exc:  # one operation's failure must not hide another's
            failures.append(f"{operation.label}:\n{exc}")
    assert not failures, "\n\n".join(failures)
