"""The local moto's expressions (infra/moto_expressions.py), parsed once per text, answer as
moto's own, parsed on every call.

The same script of writes — updates of every kind (SET with paths, indexes, arithmetic and
functions, REMOVE, ADD, DELETE), conditions that hold and fail, invalid expressions, names
and values missing or left unused, transactions committed and cancelled — runs twice on
private moto backends, once through moto's code and once through ours, each text more than
once; every answer, error and stored item must be the same. The script includes every way
moto's update validator refuses a request, each right after the same text passed (its
verdict remembered), so a check skipped when it should not be shows as a missing error. The
syntax trees handed out and what the handler reads from them must be the same too, and so
must the validation of a tree its caller changed after `make` handed it out.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, ExpressionAttributeName, ExpressionAttributeValue, Node
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.parsing.validators import UpdateExpressionValidator

from bench.moto_transactions import N, S, backend
from infra import moto_expressions, moto_transactions


@pytest.fixture
def motos_own() -> Iterator[None]:
    """moto's own parsing unless a test installs ours; as it was afterwards."""
    installed = bool(moto_expressions.MOTOS_OWN)
    moto_expressions.uninstall()
    yield
    moto_expressions.uninstall()
    if installed:
        moto_expressions.install()


def update(
    pk: str, expression: str, condition: str | None = None, table: str = "cases", **placeholders: Any
) -> dict[str, Any]:
    names = {k: v for k, v in placeholders.items() if k.startswith("n")}
    values = {k: v for k, v in placeholders.items() if k.startswith("v")}
    key = {"pk": S(pk), "seq": N(1)} if table == "trail" else {"pk": S(pk)}
    return {
        "table_name": table,
        "key": key,
        "update_expression": expression,
        "condition_expression": condition,
        "expression_attribute_names": {f"#{k}": v for k, v in names.items()},
        "expression_attribute_values": {f":{k}": v for k, v in values.items()},
    }


UPDATES: list[dict[str, Any]] = [
    update(
        "case-1", "SET #n0 = :v0, #n1 = :v1", "#n1 = :v2", n0="status", n1="version", v0=S("moved"), v1=N(2), v2=N(1)
    ),
    update(
        "case-1", "SET #n0 = :v0, #n1 = :v1", "#n1 = :v2", n0="status", n1="version", v0=S("again"), v1=N(3), v2=N(1)
    ),
    update(
        "case-1", "SET #n0 = :v0, #n1 = :v1", "#n1 = :v2", n0="status", n1="version", v0=S("again"), v1=N(3), v2=N(2)
    ),
    update(
        "case-2",
        "SET details = :v0, tags = :v1, trail = :v2",
        v0={"M": {"level": N(1)}},
        v1={"SS": ["a", "b"]},
        v2={"L": [S("filed"), S("seen")]},
    ),
    update(
        "case-2",
        "SET details.#n0 = details.#n0 + :v0, trail[1] = :v1",
        "attribute_exists(details)",
        n0="level",
        v0=N(1),
        v1=S("assigned"),
    ),
    update(
        "case-2",
        "SET trail = list_append(trail, :v0), seen = if_not_exists(seen, :v1) ADD hits :v2",
        v0={"L": [S("moved")]},
        v1=N(0),
        v2=N(1),
    ),
    update("case-2", "ADD tags :v0 DELETE tags :v1", v0={"SS": ["c"]}, v1={"SS": ["a"]}),  # one path twice
    update("case-2", "ADD tags :v0", v0={"SS": ["c"]}),
    update("case-2", "DELETE tags :v0", v0={"SS": ["a"]}),
    update("case-2", "REMOVE trail[0], trail[2], details.#n0", n0="level"),
    update("case-2", "REMOVE trail[0], trail[2], details.#n0", n0="level"),
    update(
        "case-3",
        "SET version = :v0",
        "attribute_not_exists(pk) OR (version < :v1 AND NOT begins_with(#n0, :v2))",
        n0="status",
        v0=N(5),
        v1=N(4),
        v2=S("clo"),
    ),
    update(
        "case-3",
        "SET version = :v0",
        "attribute_not_exists(pk) OR (version < :v1 AND NOT begins_with(#n0, :v2))",
        n0="status",
        v0=N(6),
        v1=N(4),
        v2=S("clo"),
    ),
    update(
        "case-new", "SET #n0 = :v0", "size(#n0) > :v1 OR attribute_not_exists(#n0)", n0="status", v0=S("new"), v1=N(1)
    ),
    update(
        "case-4",
        "SET #n0 = :v0",
        "#n0 IN (:v1, :v2) AND version BETWEEN :v3 AND :v4",
        n0="status",
        v0=S("x"),
        v1=S("open"),
        v2=S("moved"),
        v3=N(0),
        v4=N(9),
    ),
    update("case-4", "SET #n0 = :v0", n0="status"),  # a value missing
    update("case-4", "SET #n0 = :v0", v0=S("x")),  # a name missing
    update("case-4", "SET pk = :v0", v0=S("other")),  # a key attribute
    update("case-4", "SET version = version + :v0", v0=S("one")),  # a type mismatch
    update("case-4", "SET a = :v0 SET b = :v0", v0=N(1)),  # two SET clauses
    update("case-4", "SET a = :v0, a = :v1", v0=N(1), v1=N(2)),  # one path twice
    update("case-4", "SET = :v0", v0=N(1)),  # not an expression
    update("case-4", "SET = :v0", v0=N(1)),
    update("case-4", "SET a = :v0", "version = ", v0=N(1)),  # not a condition
    update("case-4", "SET a = :v0", "version = ", v0=N(1)),
    update("case-4", "SET a = :v0", "#n9 = :v0", v0=N(1)),  # a condition's name missing
    update("case-4", "SET a = :v0", "size = :v0", v0=N(1)),  # a reserved word
    # What the validator rejects, each after the same text passed (its verdict remembered):
    # the same text whose names now resolve to one path twice, or to a key attribute.
    update("case-8", "SET #n0 = :v0, #n1 = :v1", n0="status", n1="version", v0=S("a"), v1=N(1)),
    update("case-8", "SET #n0 = :v0, #n1 = :v1", n0="status", n1="status", v0=S("a"), v1=N(1)),
    update("case-8", "SET #n0 = :v0, #n1 = :v1", n0="status", n1="pk", v0=S("a"), v1=S("b")),
    update("case-8", "SET #n0 = :v0, #n1 = :v1", n0="status", v0=S("a"), v1=N(1)),  # a name missing
    update("case-8", "SET #n0 = :v0, #n1 = :v1", n0="status", n1="version", v0=S("b"), v1=N(2)),
    update("case-8", "SET seq = :v0", v0=N(2)),  # no key attribute of cases ...
    update("case-1", "SET seq = :v0", table="trail", v0=N(2)),  # ... but trail's range key
    update("case-1", "SET note = :v0", table="trail", v0=S("x")),
    update("case-8", "SET a.b = :v0, a = :v1", v0=N(1), v1=N(2)),  # overlapping paths
    update("case-8", "SET #n0.b = :v0, #n0 = :v1", n0="a", v0=N(1), v1=N(2)),
    update("case-8", "SET tally = absent + :v0", v0=N(1)),  # a path read that is not there
    update("case-8", "SET tally = version + :v0", v0=N(1)),
    update("case-8", "SET tally = version - :v0", v0=N(1)),
    update("case-8", "SET tally = version - :v0", v0=S("x")),  # a type mismatch
    update("case-8", "SET absent.child = :v0", v0=N(1)),  # an invalid document path
    update("case-8", "SET version[0] = :v0", v0=N(1)),  # an index into a number
    update("case-8", "SET #n0 = :v0", n0="version", v0=N(2)),
    update("case-8", "SET #n0 = :v0", n0="version"),  # a value missing, the same text
    update(
        "case-8", "SET a = if_not_exists(b, :v0), c = list_append(if_not_exists(c, :v1), :v1)", v0=N(1), v1={"L": []}
    ),
    update("case-8", "SET a = if_not_exists(b, nowhere)"),  # neither there
    update("case-8", "SET d = list_append(nothing, :v0)", v0={"L": [S("x")]}),
    update("case-8", "SET d = list_append(version, :v0)", v0={"L": [S("x")]}),
    update("case-8", "SET a = (:v0)", v0=N(1)),  # moto's parser cannot group values
    update("case-9", "SET department = :v0", table="filings", v0=S("water")),
    update("case-9", "SET department = :v0", table="filings", v0=N(1)),  # an index key's type
    update("case-9", "SET department = :v0", table="filings", v0=S("")),  # an empty index key
    update("case-9", "SET #n0 = :v0", table="filings", n0="department", v0=S("")),
    update("case-9", "SET extra = :v0, department = :v1", table="filings", v0=N(1), v1=S("")),
    {**update("case-10", "SET #n0 = :v0", v0=N(1)), "expression_attribute_names": None},  # no names at all
    {**update("case-10", "SET a = :v0", v0=N(1)), "expression_attribute_names": None},
]


def answer(call: Any) -> Any:
    try:
        result = call()
    except Exception as error:  # moto's answer to a bad request is its exception
        return ("raised", type(error).__name__, str(error), getattr(error, "message", None))
    return result.to_json() if hasattr(result, "to_json") else result


def dump(made: DynamoDBBackend) -> dict[str, list[str]]:
    return {
        name: sorted(json.dumps(item.to_json(), sort_keys=True) for item in table.all_items())
        for name, table in made.tables.items()
    }


def script() -> list[Any]:
    made = backend(10)
    made.create_table(  # an index key: the validator checks its type and emptiness
        "filings",
        [{"AttributeName": "pk", "KeyType": "HASH"}],
        attr=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "department", "AttributeType": "S"}],
        throughput=None,
        global_indexes=[
            {
                "IndexName": "department-index",
                "KeySchema": [{"AttributeName": "department", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        indexes=None,
        streams=None,
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    answers: list[Any] = []
    for call in copy.deepcopy(UPDATES):  # moto keeps a request's lists in the item it stores
        answers.append(answer(lambda call=call: made.update_item(**call)))
        answers.append(dump(made))
    condition = "attribute_not_exists(#n) AND (#s <> :closed)"
    for pk in ("case-5", "case-new-2", "case-new-2"):
        put = {"pk": S(pk), "version": N(1), "status": S("open")}
        answers.append(
            answer(
                lambda put=put: made.put_item(
                    "cases",
                    put,
                    condition_expression=condition,
                    expression_attribute_names={"#n": "pk", "#s": "status"},
                    expression_attribute_values={":closed": S("closed")},
                )
            )
        )
    answers.append(
        answer(lambda: made.delete_item("cases", {"pk": S("case-6")}, {"#v": "version"}, {":v": N(2)}, "#v = :v"))
    )
    for version in (1, 1):  # the second is cancelled, and rolled back
        answers.append(
            answer(
                lambda version=version: moto_transactions.transact_write_items(
                    made,
                    [
                        {
                            "Update": {
                                "TableName": "cases",
                                "Key": {"pk": S("case-7")},
                                "UpdateExpression": "SET version = :next ADD hits :one",
                                "ConditionExpression": "version = :v",
                                "ExpressionAttributeValues": {":next": N(version + 1), ":one": N(1), ":v": N(version)},
                            }
                        },
                        {
                            "Put": {
                                "TableName": "trail",
                                "Item": {"pk": S("case-7"), "seq": N(2)},
                                "ConditionExpression": "attribute_not_exists(seq)",
                            }
                        },
                    ],
                )
            )
        )
        answers.append(dump(made))
    return answers


def tree(node: Any, parent: Any = None) -> Any:
    """A syntax tree as data, its parent links checked on the way."""
    if not isinstance(node, Node):
        return node
    assert node.parent is parent
    return (type(node).__name__, node.type, [tree(child, node) for child in node.children or []])


def parses() -> list[Any]:
    """What the handler reads from the trees and the condition parser, each text twice."""
    found: list[Any] = []
    for call in copy.deepcopy(UPDATES * 2):
        ast = answer(lambda call=call: UpdateExpressionParser.make(call["update_expression"]))
        if isinstance(ast, Node):
            names = [a.get_attribute_name_placeholder() for a in ast.find_clauses([ExpressionAttributeName])]
            values = [a.get_value_name() for a in ast.find_clauses([ExpressionAttributeValue])]
            found.append((tree(ast), names, values))
            ast.children = []  # a caller changing its tree changes nobody else's
        else:
            found.append(ast)
        parser = ConditionExpressionParser(
            call["condition_expression"], call["expression_attribute_names"], call["expression_attribute_values"]
        )
        op = answer(parser.parse)
        found.append((repr(op), parser.expr_attr_names_found, parser.expr_attr_values_found))
    return found


def test_every_write_answers_and_stores_as_with_motos_own_parsing(motos_own: None) -> None:
    theirs = script()
    moto_expressions.install()
    ours = script()

    assert ours == theirs
    raised = [a[1] for a in theirs if isinstance(a, tuple) and a[0] == "raised"]
    assert "ConditionalCheckFailed" in raised and "TransactionCanceledException" in raised
    assert len(set(raised)) >= 5  # the invalid requests failed in moto's several ways


def test_trees_and_conditions_read_as_with_motos_own_parsing(motos_own: None) -> None:
    theirs = parses()
    moto_expressions.install()
    ours = parses()

    assert ours == theirs


def test_each_text_is_parsed_once(motos_own: None, monkeypatch: pytest.MonkeyPatch) -> None:
    moto_expressions.install()
    tokenized: list[str] = []
    from moto.dynamodb.parsing import tokens

    original = tokens.ExpressionTokenizer.make_list

    def counted(expression: str) -> Any:
        tokenized.append(expression)
        return original(expression)

    monkeypatch.setattr(tokens.ExpressionTokenizer, "make_list", staticmethod(counted))
    script()

    texts = [call["update_expression"] for call in UPDATES] + ["SET version = :next ADD hits :one"]
    valid = [text for text in set(texts) if text != "SET = :v0"]
    assert sorted(set(tokenized)) == sorted(set(texts))
    assert len(tokenized) == len(valid) + tokenized.count("SET = :v0")


def test_a_text_validated_again_skips_only_the_walks_that_cannot_change_its_answer(
    motos_own: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given our validation, and every processor's walk counted by its class
    moto_expressions.install()
    walked: list[str] = []
    traverse = DepthFirstTraverser.traverse

    def counted(self: DepthFirstTraverser, node: Any) -> Any:
        walked.append(type(self).__name__)
        return traverse(self, node)

    monkeypatch.setattr(DepthFirstTraverser, "traverse", counted)
    made = backend(2)
    call = update("case-1", "SET #n0 = :v0, #n1 = :v1 REMOVE #n2", n0="state", n1="version", n2="old", v0=S("x"))
    call["expression_attribute_values"][":v1"] = N(2)

    # When the same text is validated twice under the same names
    made.update_item(**copy.deepcopy(call))
    first, walked[:] = list(walked), []
    made.update_item(**copy.deepcopy(call))

    # Then the first time the pure checks walk it, the second time they do not; the
    # function and missing-attribute walks never do (no function, no path read)
    checks = ["ActionCountValidator", "OverlappingPathsValidator", "UpdateHashRangeKeyValidator"]
    rewrites = ["ExpressionAttributeValueProcessor", "ExpressionAttributeResolvingProcessor", "ExecuteOperations"]
    assert first == checks + rewrites
    assert walked == rewrites


def validated(tree: Node, call: dict[str, Any]) -> Any:
    made = backend(2)
    table = made.get_table("cases")
    item = table.get_item(DynamoType(call["key"]["pk"]), None)
    validator = UpdateExpressionValidator(
        tree,
        expression_attribute_names=call["expression_attribute_names"],
        expression_attribute_values=call["expression_attribute_values"],
        item=item,
        table=table,
    )
    return answer(lambda: tree_of(validator.validate()))


def tree_of(node: Any) -> Any:
    """A validated tree as data (its values resolved to DynamoTypes)."""
    if isinstance(node, DynamoType):
        return node.to_json()
    if not isinstance(node, Node):
        return node
    return (type(node).__name__, node.type, [tree_of(child) for child in node.children or []])


def changed_trees() -> list[Any]:
    """Trees `make` handed out, each changed by its caller before it is validated."""
    call = update("case-1", "SET #n0 = :v0, version = :v1", n0="state", n1="pk", v0=S("x"), v1=N(2))
    found = []
    for change in range(4):
        tree = UpdateExpressionParser.make(call["update_expression"])
        action = tree.children[0].children[0].children[0]  # the first SET action
        if change == 1:
            action.children[0].children[0].children[0] = "#n1"  # now the key attribute
        elif change == 2:
            action.children.reverse()
        elif change == 3:
            action.extra = True
        found.append(validated(tree, call))
    return found


def test_a_tree_changed_after_it_was_handed_out_is_validated_as_moto_validates_it(motos_own: None) -> None:
    theirs = changed_trees()
    moto_expressions.install()
    ours = changed_trees()

    assert ours == theirs
    assert "UpdateHashRangeKeyException" in str(theirs[1])  # the change was seen
