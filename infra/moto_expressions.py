"""moto's DynamoDB expressions parsed once per expression, for the local stack.

moto 5 parses every expression of every request from its text, and more than once: an
UpdateItem's update expression is tokenized and parsed by the handler (to check the names
and values it uses) and again by the backend, each in a recursive-descent parser that tries
every clause parser on every token; a condition is lexed, one regular expression after
another, by the handler and again by the backend (three times in a transaction: the handler,
the undo log's check, the write). The backend then hands the update's syntax tree to
`UpdateExpressionValidator`, which deep-copies it with `copy.deepcopy` (every node reduced,
pickled-style, with its parent link through the memo) and walks it once per each of its ten
processors, each walk rebuilding, for every node it visits, the processor's map of node
classes to handlers. In `make burst` (N = 300) parsing, copying and walking expressions took
about a third of the moto process; the app sends the same few dozen expression texts
(PynamoDB writes names and values as placeholders, `SET #0 = :0`) with different values.

What depends on the text only is kept per text: the update expression's syntax tree (each
caller gets its own copy, so a validator may rewrite it as before), and the tokens the
condition lexer cuts (immutable named tuples; everything after, from the names and values
on, is moto's own code on every call). A text that fails to parse is not kept: it fails
again, with moto's error, every time. The syntax tree's nodes are given a `__deepcopy__`
that makes the copy `copy.deepcopy` makes — same classes, same attributes, parents pointing
into the copy — node by node instead of through the reduce protocol, and the validators'
walk computes its processor's node classes once per walk instead of once per node.
`tests/integration/test_moto_expressions.py` runs the same updates and conditions, valid and
not, through moto's code and this one on private backends and compares every answer, error
and stored item.

Like `moto_transactions`, it is upstream-shaped; `install()` puts it on moto's classes in
the process that serves moto.
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Any

from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Expression, Node, UpdateExpressionFunction
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

MOTOS_OWN: dict[str, Any] = {}

# A few dozen texts in the app; the bound only keeps a client sending ever new texts from
# growing the process without end.
KEPT_TEXTS = 2048

_update_trees: dict[tuple[type, str], Node] = {}
_condition_tokens: dict[str, tuple[Any, ...]] = {}


def make(cls: type[UpdateExpressionParser], expression_str: str) -> Node:
    """moto's `UpdateExpressionParser.make`: the syntax tree of an update expression, a
    copy of the one parsed the first time this text was seen."""
    kept = _update_trees.get((cls, expression_str))
    if kept is None:
        kept = MOTOS_OWN["make"](cls, expression_str)  # raises as moto does
        if len(_update_trees) >= KEPT_TEXTS:
            _update_trees.clear()
        _update_trees[(cls, expression_str)] = kept
    return copy.deepcopy(kept)


def _lex_condition_expression(self: ConditionExpressionParser) -> deque[Any]:
    """moto's lexer of a condition, its tokens cut once per text."""
    text = self.condition_expression
    kept = _condition_tokens.get(text)  # type: ignore[arg-type]
    if kept is None:
        kept = tuple(MOTOS_OWN["lex"](self))  # raises as moto does
        if len(_condition_tokens) >= KEPT_TEXTS:
            _condition_tokens.clear()
        _condition_tokens[text] = kept  # type: ignore[index]
    return deque(kept)


def _node_deepcopy(self: Node, memo: dict[int, Any]) -> Node:
    """The copy `copy.deepcopy` makes of a node (class, then every attribute deep-copied
    through the same memo, so a parent link points into the copy), without reducing it."""
    result = self.__class__.__new__(self.__class__)
    memo[id(self)] = result
    state = {name: _copied(value, memo) for name, value in self.__dict__.items()}
    result.__dict__.update(state)
    return result


_ATOMIC = frozenset({str, int, bool, float, type(None)})


def _copied(value: Any, memo: dict[int, Any]) -> Any:
    """`copy.deepcopy(value, memo)`, a node's own copy called directly."""
    kind = type(value)
    if kind in _ATOMIC:
        return value
    seen = memo.get(id(value))
    if seen is not None:
        return seen
    if kind is list:
        result: list[Any] = []
        memo[id(value)] = result
        for element in value:
            result.append(_copied(element, memo))
        return result
    if getattr(kind, "__deepcopy__", None) is _node_deepcopy:
        return _node_deepcopy(value, memo)
    return copy.deepcopy(value, memo)  # a DynamoType, anything else


# isinstance() against moto's node classes (abc.ABCMeta) goes through the ABC machinery on
# every call; for a given node class the answer never changes (nothing registers virtual
# subclasses of them), so it is kept per class.
_instance_of: dict[tuple[type, Any], bool] = {}


def _is(node: Any, classes: Any) -> bool:
    key = (type(node), classes)
    answer = _instance_of.get(key)
    if answer is None:
        answer = _instance_of[key] = isinstance(node, classes)
    return answer


def traverse(self: DepthFirstTraverser, node: Any) -> Any:
    """moto's `DepthFirstTraverser.traverse`: the same depth-first walk, processing the same
    nodes bottom up, with the node classes this processor handles computed once."""
    return _traverse_node(self, node, -1, self.nodes_to_be_processed())


def _traverse_node(traverser: DepthFirstTraverser, node: Any, child_id: int, handled: tuple[type, ...]) -> Any:
    """moto's `traverse_node_recursively`, line for line, its isinstance() checks answered
    per class."""
    if _is(node, Node):
        parent_node = node.parent
        if node.children is not None:
            for i, child_node in enumerate(node.children):
                traverser.pre_processing_of_child(node, i)
                _traverse_node(traverser, child_node, i, handled)
        if _is(node, handled):
            node = traverser.process(node)
            node.parent = parent_node
            if parent_node:
                parent_node.children[child_id] = node
    return node


def find_clauses(self: Node, clause_types: list[type]) -> list[Node]:
    """moto's `Node.find_clauses`, its isinstance() checks answered per class."""
    clauses = []
    for child in self.children or []:
        if type(child) in clause_types:
            clauses.append(child)
        elif _is(child, Expression) or _is(child, UpdateExpressionFunction):
            clauses.extend(child.find_clauses(clause_types))
    return clauses


def install() -> None:
    """Make this process's moto parse each expression text once."""
    if MOTOS_OWN:
        return
    MOTOS_OWN.update(
        make=UpdateExpressionParser.__dict__["make"].__func__,
        lex=ConditionExpressionParser._lex_condition_expression,
        traverse=DepthFirstTraverser.traverse,
        find_clauses=Node.find_clauses,
    )
    UpdateExpressionParser.make = classmethod(make)  # type: ignore[assignment,method-assign,arg-type]
    ConditionExpressionParser._lex_condition_expression = _lex_condition_expression  # type: ignore[method-assign]
    Node.__deepcopy__ = _node_deepcopy  # type: ignore[attr-defined]
    DepthFirstTraverser.traverse = traverse  # type: ignore[method-assign]
    Node.find_clauses = find_clauses  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    UpdateExpressionParser.make = classmethod(MOTOS_OWN["make"])  # type: ignore[assignment,method-assign]
    ConditionExpressionParser._lex_condition_expression = MOTOS_OWN["lex"]  # type: ignore[method-assign]
    del Node.__deepcopy__  # type: ignore[attr-defined]
    DepthFirstTraverser.traverse = MOTOS_OWN["traverse"]  # type: ignore[method-assign]
    Node.find_clauses = MOTOS_OWN["find_clauses"]  # type: ignore[method-assign]
    MOTOS_OWN.clear()
    _update_trees.clear()
    _condition_tokens.clear()
