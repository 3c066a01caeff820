"""How many AWS calls each catalogue read costs once warm: one, and never a Scan."""

from __future__ import annotations

import pytest

from bench.aws_calls import OPERATIONS, count_aws_calls

EXPECTED = {
    "/health": {"dynamodb:GetItem": 1},
    "/services/WATER_NEW_CONNECTION": {"dynamodb:GetItem": 1},
}


@pytest.mark.parametrize("path", OPERATIONS)
def test_each_catalogue_read_is_one_key_lookup_or_query(api, stack, path):
    api.get(path)  # warm: clients, connections, cached queue URLs

    with count_aws_calls() as calls:
        response = api.get(path)

    assert response.status_code == 200
    assert dict(calls) == EXPECTED.get(path, {"dynamodb:Query": 1})


def test_an_unknown_department_filter_costs_one_more_lookup_to_tell_a_typo_from_empty(api, stack):
    with count_aws_calls() as calls:
        response = api.get("/services?department=NOT_A_DEPARTMENT")

    assert response.status_code == 422
    assert dict(calls) == {"dynamodb:Query": 1, "dynamodb:GetItem": 1}
