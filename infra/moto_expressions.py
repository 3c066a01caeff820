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

Validating an update was then still about half of an UpdateItem (and of each Update in a
TransactWriteItems, which goes through the same validator): ten walks over the tree, one per
processor, two of them calling `find_clauses` on every clause node (each a walk of its
subtree), though for most requests most walks can neither change the tree nor reject it.
So the parse of a text also notes what its tree holds (`ParsedUpdate`), `make` remembers
which text each tree it hands out came from, and the validator given such a tree, still as
parsed, skips those walks:

- the clause count, overlapping paths and key attribute checks read only the tree, the
  names its placeholders and path heads resolve to and the table's key attributes; once
  they have passed under those, they are not walked again for them (a failure is never
  remembered: moto's walk raises it each time);
- the function evaluator is not walked over a tree without a function, nor the
  missing-attribute check over one without a path that is read (only such a path can
  become the `NoneExistingPath` it rejects);
- the type and empty-key checks of SET actions are called on the SET actions, in the walk's
  order, without the walk (no earlier processor replaces or moves an action).

Everything else is moto's processors walking the tree, in moto's order (a walk no longer
steps into a node's names and indexes, nor calls a hook its processor does not define). The
two copies of a request's tree, `make`'s and the validator's, are built node by node from
what a parsed node holds (the validator's checking, as it copies, that the tree is still
shaped as parsed). A tree that is not one `make` handed out, or that its caller changed, is
copied and validated by moto's own code.
`tests/integration/test_moto_expressions.py` runs the same updates and conditions, valid and
not (and the validator's every refusal: clauses, overlapping paths, key attributes, missing
values and paths, invalid document paths, operand types, index key types and empty keys,
after the same text passed), through moto's code and this one on private backends and
compares every answer, error and stored item.

Like `moto_transactions`, it is upstream-shaped; `install()` puts it on moto's classes in
the process that serves moto.
"""

from __future__ import annotations

import copy
import weakref
from collections import deque
from typing import Any

from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing.ast_nodes import (
    DepthFirstTraverser,
    Expression,
    ExpressionAttributeName,
    Node,
    UpdateExpressionAddAction,
    UpdateExpressionDeleteAction,
    UpdateExpressionFunction,
    UpdateExpressionPath,
    UpdateExpressionRemoveAction,
    UpdateExpressionSetAction,
)
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.parsing.validators import (
    ActionCountValidator,
    EmptyStringKeyValueValidator,
    ExecuteOperations,
    ExpressionAttributeResolvingProcessor,
    ExpressionAttributeValueProcessor,
    NoneExistingPathChecker,
    OverlappingPathsValidator,
    TypeMismatchValidator,
    UpdateExpressionFunctionEvaluator,
    UpdateExpressionValidator,
    UpdateHashRangeKeyValidator,
    Validator,
)

MOTOS_OWN: dict[str, Any] = {}

# A few dozen texts in the app; the bound only keeps a client sending ever new texts from
# growing the process without end.
KEPT_TEXTS = 2048
# Per text: the app resolves a text's placeholders to the same few attribute names.
KEPT_VERDICTS = 64

_ACTIONS = (
    UpdateExpressionSetAction,
    UpdateExpressionRemoveAction,
    UpdateExpressionAddAction,
    UpdateExpressionDeleteAction,
)
_NODE_STATE = ("type", "children", "parent")  # what Node.__init__ sets, in its order
_MISSING = object()


class ParsedUpdate:
    """An update expression's text, parsed: its syntax tree (never handed out, only copied),
    and what the validator's passes can know from the tree alone.

    - `plain`: every node holds only what `Node.__init__` sets, and every leaf value is an
      immutable atom, so a copy is the same classes and atoms, node by node.
    - `has_function`: a function node (`if_not_exists`, `list_append`) is in the tree; without
      one, the function evaluator's pass has nothing to process.
    - `has_value_path`: a path is read, not written: one that is not the first child of an
      action. Only such a path can be resolved to a `NoneExistingPath`, the one node the
      missing-attribute check processes.
    - `looked_up`: every string the pure checks (clause count, overlapping paths, key
      attributes) may look up in the expression attribute names: placeholders and the head
      of every path; None when a path has no head to read (moto's check raises then).
    - `passed`: the verdict keys (those names, resolved, and the table's key attributes) under
      which those checks have already passed on this tree: they cannot fail under them now.
    """

    def __init__(self, tree: Node) -> None:
        self.tree = tree
        self.plain = True
        self.has_function = False
        self.has_value_path = False
        self.looked_up: list[Any] | None = []
        self.passed: set[tuple[Any, ...]] = set()
        self._learn(tree, None, -1)

    def _learn(self, node: Node, parent: Node | None, child_id: int) -> None:
        if tuple(node.__dict__) != _NODE_STATE or node.parent is not parent:
            self.plain = False
        if _is(node, UpdateExpressionFunction):
            self.has_function = True
        if _is(node, UpdateExpressionPath):
            if child_id != 0 or not _is(parent, _ACTIONS):
                self.has_value_path = True
            self._look_up(node)
        if _is(node, ExpressionAttributeName):
            self._look_up(node, head=False)
        children = node.children
        if children is not None and type(children) is not list:
            self.plain = False
            return
        for i, child in enumerate(children or ()):
            if _is(child, Node):
                self._learn(child, node, i)
            elif type(child) not in _ATOMIC:
                self.plain = False

    def _look_up(self, node: Node, head: bool = True) -> None:
        """Note the string `UpdateHashRangeKeyValidator` (a path's head) or
        `OverlappingPathsValidator` (a name's placeholder) reads from this node."""
        try:
            found = node.children[0].children[0] if head else node.children[0]
            hash(found)
        except (AttributeError, IndexError, TypeError):
            self.looked_up = None
            return
        if self.looked_up is not None:
            self.looked_up.append(found)

    def verdict_key(self, names: Any, table: Table) -> tuple[Any, ...] | None:
        """What the pure checks' verdict on this tree depends on, or None if it cannot be said."""
        if self.looked_up is None:
            return None
        found = names or {}
        try:
            key = (tuple([found.get(name, _MISSING) for name in self.looked_up]), tuple(table.table_key_attrs))
            hash(key)
        except (AttributeError, TypeError):
            return None
        return key


_update_trees: dict[tuple[type, str], ParsedUpdate] = {}
_condition_tokens: dict[str, tuple[Any, ...]] = {}
# The trees `make` handed out, each to its text's parse: a validator given one knows the text.
_handed_out: weakref.WeakKeyDictionary[Node, ParsedUpdate] = weakref.WeakKeyDictionary()


def make(cls: type[UpdateExpressionParser], expression_str: str) -> Node:
    """moto's `UpdateExpressionParser.make`: the syntax tree of an update expression, a
    copy of the one parsed the first time this text was seen."""
    kept = _update_trees.get((cls, expression_str))
    if kept is None:
        kept = ParsedUpdate(MOTOS_OWN["make"](cls, expression_str))  # raises as moto does
        if len(_update_trees) >= KEPT_TEXTS:
            _update_trees.clear()
        _update_trees[(cls, expression_str)] = kept
    if not kept.plain:
        return copy.deepcopy(kept.tree)
    tree = _copy_plain(kept.tree, None)
    _handed_out[tree] = kept
    return tree


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
    nodes bottom up, with the node classes this processor handles computed once, and its
    hook before each child called only if its class has one (the base class's does nothing)."""
    hooked = type(self).pre_processing_of_child is not DepthFirstTraverser.pre_processing_of_child
    return _traverse_node(self, node, -1, self.nodes_to_be_processed(), hooked)


def _traverse_node(
    traverser: DepthFirstTraverser, node: Any, child_id: int, handled: tuple[type, ...], hooked: bool
) -> Any:
    """moto's `traverse_node_recursively`, line for line, its isinstance() checks answered
    per class, and a child that is not a node (a name, an index: moto's walk returns it
    untouched) not walked into."""
    if _is(node, Node):
        parent_node = node.parent
        if node.children is not None:
            for i, child_node in enumerate(node.children):
                if hooked:
                    traverser.pre_processing_of_child(node, i)
                if _is(child_node, Node):
                    _traverse_node(traverser, child_node, i, handled, hooked)
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


def _copy_plain(node: Node, parent: Node | None) -> Node:
    """The copy `copy.deepcopy` makes of a plain tree (see `ParsedUpdate.plain`): each node's
    class, its type name, a new list of its children (atoms shared, as deepcopy shares them)
    and its parent pointing into the copy."""
    cls: Any = type(node)
    copied = cls.__new__(cls)
    children = node.children
    if children is not None:
        children = [_copy_plain(child, copied) if _is(child, Node) else child for child in children]
    copied.__dict__.update(type=node.type, children=children, parent=parent)
    return copied


class _Unlike(Exception):
    """The tree given to a validator is no longer shaped as its text's parse."""


def _copy_as(node: Any, twin: Node, parent: Node | None, parent_copy: Node | None, set_actions: list[Node]) -> Node:
    """`_copy_plain(node)`, if `node` is still shaped as `twin` (classes, type names, atoms,
    parent links, nothing added); raises `_Unlike` if not. Notes the copy's SET actions, in
    the order a walk processes them."""
    cls: Any = type(twin)
    if type(node) is not cls or len(node.__dict__) != 3 or node.parent is not parent or node.type != twin.type:
        raise _Unlike
    copied = cls.__new__(cls)  # type: ignore[call-overload]  # cls narrowed by the check above
    children, twins = node.children, twin.children
    if twins is None:
        if children is not None:
            raise _Unlike
    else:
        if type(children) is not list or len(children) != len(twins):
            raise _Unlike
        kept = []
        for child, child_twin in zip(children, twins, strict=True):
            if _is(child_twin, Node):
                kept.append(_copy_as(child, child_twin, node, copied, set_actions))
            elif type(child) is type(child_twin) and child == child_twin:
                kept.append(child)
            else:
                raise _Unlike
        children = kept
    copied.__dict__.update(type=twin.type, children=children, parent=parent_copy)
    if cls is UpdateExpressionSetAction:
        set_actions.append(copied)
    return copied


# `UpdateExpressionValidator.get_ast_processors`, in its order.
_PROCESSORS = (
    ActionCountValidator,
    OverlappingPathsValidator,
    UpdateHashRangeKeyValidator,
    ExpressionAttributeValueProcessor,
    ExpressionAttributeResolvingProcessor,
    UpdateExpressionFunctionEvaluator,
    NoneExistingPathChecker,
    ExecuteOperations,
    TypeMismatchValidator,
    EmptyStringKeyValueValidator,
)


def validator_init(
    self: UpdateExpressionValidator,
    expression: Node,
    expression_attribute_names: dict[str, str],
    expression_attribute_values: dict[str, dict[str, Any]],
    item: Item,
    table: Table,
) -> None:
    """moto's `Validator.__init__`; the tree to validate is copied as `copy.deepcopy` copies
    it, and if it is a tree `make` handed out, still as parsed, the validator learns its text."""
    self.expression_attribute_names = expression_attribute_names
    self.expression_attribute_values = expression_attribute_values
    self.item = item
    self.table = table
    self.processors = self.get_ast_processors()
    self.node_to_validate = None
    self._parsed_update = None  # type: ignore[attr-defined]
    try:
        parsed = _handed_out.get(expression)
    except TypeError:  # not a node
        parsed = None
    if parsed is not None and tuple(type(p) for p in self.processors) == _PROCESSORS:
        set_actions: list[Node] = []
        try:
            self.node_to_validate = _copy_as(expression, parsed.tree, None, None, set_actions)
        except (_Unlike, AttributeError):
            pass
        else:
            self._parsed_update = (parsed, set_actions)  # type: ignore[attr-defined]
    if self.node_to_validate is None:
        self.node_to_validate = copy.deepcopy(expression)


def validate(self: UpdateExpressionValidator) -> Node:
    """moto's `Validator.validate`: the same processors over the same tree, in the same order,
    less the walks that cannot change or reject it:

    - the clause count, overlapping paths and key attribute checks only read the tree as
      parsed, the names its strings resolve to and the table's key attributes; once they have
      passed under those, they pass again and are not walked;
    - the function evaluator and the missing-attribute check have nothing to process in a tree
      without a function or without a path read (see `ParsedUpdate`);
    - the type and empty-key checks process only SET actions, which no earlier processor
      replaces or moves: they are called on those, in the walk's order, without the walk.
    """
    noted = self._parsed_update  # type: ignore[attr-defined]
    if noted is None:
        return MOTOS_OWN["validate"](self)
    parsed, set_actions = noted
    (count, overlaps, keys, values, resolving, functions, missing, operations, types, empty_keys) = self.processors
    n = self.node_to_validate
    verdict = parsed.verdict_key(self.expression_attribute_names, self.table)
    if verdict is None or verdict not in parsed.passed:
        for check in (count, overlaps, keys):
            n = check.traverse(n)
        if verdict is not None:
            if len(parsed.passed) >= KEPT_VERDICTS:
                parsed.passed.clear()
            parsed.passed.add(verdict)
    n = values.traverse(n)
    n = resolving.traverse(n)
    if parsed.has_function:
        n = functions.traverse(n)
    if parsed.has_value_path:
        n = missing.traverse(n)
    n = operations.traverse(n)
    for action in set_actions:
        types.check_for_type_mismatch(action)
    for action in set_actions:
        empty_keys.check_for_empty_string_key_value(action)
    return n


def install() -> None:
    """Make this process's moto parse each expression text once, and validate its updates
    without the walks that cannot change their answer."""
    if MOTOS_OWN:
        return
    MOTOS_OWN.update(
        make=UpdateExpressionParser.__dict__["make"].__func__,
        lex=ConditionExpressionParser._lex_condition_expression,
        traverse=DepthFirstTraverser.traverse,
        find_clauses=Node.find_clauses,
        validate=Validator.validate,
    )
    UpdateExpressionParser.make = classmethod(make)  # type: ignore[assignment,method-assign,arg-type]
    ConditionExpressionParser._lex_condition_expression = _lex_condition_expression  # type: ignore[method-assign]
    Node.__deepcopy__ = _node_deepcopy  # type: ignore[attr-defined]
    DepthFirstTraverser.traverse = traverse  # type: ignore[method-assign]
    Node.find_clauses = find_clauses  # type: ignore[method-assign]
    UpdateExpressionValidator.__init__ = validator_init  # type: ignore[assignment,method-assign]
    UpdateExpressionValidator.validate = validate  # type: ignore[assignment,method-assign]


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    UpdateExpressionParser.make = classmethod(MOTOS_OWN["make"])  # type: ignore[assignment,method-assign]
    ConditionExpressionParser._lex_condition_expression = MOTOS_OWN["lex"]  # type: ignore[method-assign]
    del Node.__deepcopy__  # type: ignore[attr-defined]
    DepthFirstTraverser.traverse = MOTOS_OWN["traverse"]  # type: ignore[method-assign]
    Node.find_clauses = MOTOS_OWN["find_clauses"]  # type: ignore[method-assign]
    del UpdateExpressionValidator.__init__
    del UpdateExpressionValidator.validate
    MOTOS_OWN.clear()
    _update_trees.clear()
    _condition_tokens.clear()
    _handed_out.clear()
