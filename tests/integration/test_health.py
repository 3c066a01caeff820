"""GET /health says whether the stack can reach its tables."""


def test_health_is_ok_when_the_tables_answer(api, stack):
    response = api.get("/health")

    assert response.status_code == 200
    assert response.json_body["status"] == "ok"


def test_health_is_503_with_the_error_shape_when_the_tables_are_gone(api, bare_moto):
    response = api.get("/health")

    assert response.status_code == 503
    assert response.json_body["error"]["code"] == "unavailable"
