# SPDX-License-Identifier: Apache-2.0
"""schemathesis against the app's own OpenAPI document, through ASGI (no server).

Hypothesis generates requests for every operation of ``/api/openapi.json``,
valid ones and deliberately invalid ones; each response must not be a server
error, must have a documented status and content type, and its body must match
the documented schema. The number of examples per operation is bounded so the
whole run stays under a minute.

schemathesis's ``negative_data_rejection`` check is left out on purpose: the
readers are more lenient than a JSON Schema can say (filters take labels and
aliases as well as codes, comma lists, and ignore empty values; text is
measured after its spaces are folded), so "accepted" is not a fault there.
The refusals that matter are tested one by one in ``test_api.py``.

The operations are listed from ``build_openapi()`` at collection (one test
each), and each test loads the document the app serves. schemathesis's own
``from_fixture`` + ``parametrize`` is not used: it relies on a pytest internal
(``Function._nodeid``) that pytest 9 no longer has.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.applications import Starlette

from directory.web.openapi import build_openapi

#: Examples per operation and generation mode.
MAX_EXAMPLES = 60
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [(path, method.upper()) for path, item in build_openapi()["paths"].items() for method in item]


@pytest.fixture(scope="module")
def api_schema(app: Starlette) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_the_api_honours_its_openapi_document(
    api_schema: schemathesis.schemas.BaseSchema, path: str, method: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]
    if mode is GenerationMode.NEGATIVE and not operation.definition.raw.get("parameters"):
        pytest.skip("no parameter to get wrong")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case) -> None:
        # /api/lieux/proches is its own operation, not a venue id.
        assume((case.path_parameters or {}).get("venue_id") != "proches")
        case.call_and_validate(checks=CHECKS)

    check()
