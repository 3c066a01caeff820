"""The local moto's dispatch (infra/moto_responses.py) finds a request's handler method as
moto's own does, without listing the response class on every request.

For every response class moto has loaded, every name it has (and names it has not: a
property, a class attribute, a method of a base, an unknown action) is looked up both ways;
then requests to the local stack's server, of several services, dispatch with ours.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto.core.responses import BaseResponse
from moto.core.utils import method_names_from_class

from infra import moto_responses


@pytest.fixture
def motos_own() -> Iterator[None]:
    """moto's own dispatch unless a test installs ours; as it was afterwards."""
    installed = bool(moto_responses.MOTOS_OWN)
    moto_responses.uninstall()
    yield
    moto_responses.uninstall()
    if installed:
        moto_responses.install()


def response_classes() -> list[type]:
    # the services the local stack serves, loaded so that their response classes are listed
    import moto.dynamodb.responses
    import moto.sqs.responses
    import moto.stepfunctions.responses  # noqa: F401

    found, todo = [], [BaseResponse]
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo.extend(kind.__subclasses__())
    return found


def test_every_name_of_every_response_class_is_found_as_moto_finds_it(motos_own: None) -> None:
    classes = response_classes()
    assert len(classes) > 3
    for kind in classes:
        theirs = method_names_from_class(kind)
        ours = moto_responses.method_names_from_class(kind)
        for name in [*dir(kind), "no_such_action", "", "dispatch", "region_regex", "__init__"]:
            assert (name in ours) == (name in theirs), (kind, name)


def test_requests_dispatch_through_it(motos_own: None, moto_server: str) -> None:
    moto_responses.install()
    dynamodb = boto3.client("dynamodb", region_name="ap-south-1")
    sqs = boto3.client("sqs", region_name="ap-south-1")

    assert "TableNames" in dynamodb.list_tables()
    assert "QueueUrls" in sqs.list_queues() or sqs.list_queues() is not None
