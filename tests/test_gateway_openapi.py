"""The gateway's own OpenAPI document: complete, and true of every answer (schemathesis)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from authsvc.gateway.app import create_app
from authsvc.gateway.settings import GatewaySettings
from tests.gateway_support import RunningGateway

# Enough to reach every documented failure of a path, few enough to stay well under a minute.
EXAMPLES_PER_OPERATION = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def openapi_document(http: httpx.Client) -> dict[str, Any]:
    document: dict[str, Any] = http.get("/openapi.json").json()
    return document


# The operations as the app documents them; each test asks the running gateway for its own.
OPERATIONS = [
    (path, method.upper())
    for path, operations in create_app(GatewaySettings()).openapi()["paths"].items()
    for method in operations
]


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_no_answer_is_a_server_error_or_breaks_the_schema(
    gateway: RunningGateway, path: str, method: str
) -> None:
    operation = schemathesis.openapi.from_url(f"{gateway.url}/openapi.json")[path][method]
    valid_and_invalid = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=valid_and_invalid)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    def answer_conforms(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    answer_conforms()


def test_confirmation_phone_documents_both_body_shapes(openapi_document: dict[str, Any]) -> None:
    operation = openapi_document["paths"]["/confirmation_phone"]["post"]

    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    shapes = {option["$ref"].rsplit("/", 1)[-1] for option in schema["oneOf"]}
    assert shapes == {"PhoneToConfirm", "CodeOfCall"}
    components = openapi_document["components"]["schemas"]
    assert components["PhoneToConfirm"]["required"] == ["phone"]
    assert components["CodeOfCall"]["required"] == ["code"]


def test_every_app_path_is_documented_also_under_the_user_prefix(
    openapi_document: dict[str, Any],
) -> None:
    app_paths = [
        "/beg_registration",
        "/end_registration",
        "/entrancevk",
        "/confirmation_phone",
        "/end_registration_vk",
        "/repeat_call",
        "/sign_in",
        "/refresh",
        "/sign_out",
        "/me",
    ]
    root_only = ["/.well-known/jwks.json", "/healthz", "/readyz"]

    assert sorted(openapi_document["paths"]) == sorted(
        app_paths + [f"/user{path}" for path in app_paths] + root_only
    )


def test_every_response_has_an_example_and_failures_the_error_schema(
    openapi_document: dict[str, Any],
) -> None:
    components = openapi_document["components"]["schemas"]
    for path, operations in openapi_document["paths"].items():
        for status, response in operations[next(iter(operations))]["responses"].items():
            content = response["content"]["application/json"]
            assert _has_example(content, components), f"{path} {status}"
            if not status.startswith("2"):
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


def test_request_bodies_refuse_unknown_fields(openapi_document: dict[str, Any]) -> None:
    bodies = ["BeginRegistrationBody", "EndRegistrationBody", "EntranceVkBody"]
    for name in [*bodies, "SignInBody", "RefreshBody", "SignOutBody"]:
        assert openapi_document["components"]["schemas"][name]["additionalProperties"] is False


def test_docs_are_served(http: httpx.Client) -> None:
    response = http.get("/docs")

    assert response.status_code == 200
    assert "/openapi.json" in response.text


def _has_example(content: dict[str, Any], components: dict[str, Any]) -> bool:
    if "examples" in content or "example" in content:
        return True
    schema = content["schema"]
    options = schema.get("anyOf", [schema])
    names = [option["$ref"].rsplit("/", 1)[-1] for option in options]
    return all("examples" in components[name] for name in names)
