"""The deployed API leaves CORS to the app: every path has an OPTIONS method proxied to the
API function (never Chalice's mock preflight with fixed headers), and the API definition
names no origin at all, `*` least of all.

The API definition is the one `chalice package` writes into the SAM template's
`RestAPI.DefinitionBody`, made by the same generator (`CFNSwaggerGenerator`) from the same
app, so this costs no packaging run; tests/deploy/test_state_stacks.py packages for real.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.deploy.swagger import CFNSwaggerGenerator


@pytest.fixture(scope="module")
def api_definition(chalice_app) -> dict[str, Any]:
    return dict(CFNSwaggerGenerator().generate_swagger(chalice_app.app))


def test_every_path_has_an_options_method_the_api_function_answers(chalice_app, api_definition):
    paths = api_definition["paths"]

    assert set(paths) == set(chalice_app.app.routes)
    for path, methods in paths.items():
        integration = methods["options"]["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy", path
        assert (
            integration["uri"]
            == methods[next(m for m in methods if m != "options")]["x-amazon-apigateway-integration"]["uri"]
        ), path


def test_the_api_definition_names_no_origin(api_definition):
    text = json.dumps(api_definition)

    assert "Access-Control-" not in text
    assert "'*'" not in text
