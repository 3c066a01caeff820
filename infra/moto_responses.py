"""moto's dispatch of a request to its handler method without listing the class, for the
local stack.

Before it calls the handler of a request, moto 5's `BaseResponse.call_action` checks that the
action names a function of the response class: it lists every member of the class with
`inspect.getmembers` (`method_names_from_class`: `dir()` of the class, a `getattr` of each of
its several hundred names, sorted) and looks the action up in the list. It does so for every
request of every service; in `make burst` (N = 300) it was 2 % of the moto process, more
than some of the DynamoDB operations it dispatches.

The list is only ever asked whether it holds one name. Here `call_action` gets, instead of
the list, an object that answers that question directly and as the list would: the name is
a member of the class (defined on it or a base, as `dir()` of a class lists) and `getattr`
gives a plain function, `inspect.isfunction`. It asks the class on every request, so a
method added or replaced later is seen as moto would see it.
`tests/integration/test_moto_responses.py` compares both answers for every name of every
response class moto has loaded, and dispatches a few requests through each.

Like `moto_transactions`, it is upstream-shaped; `install()` puts it in moto's module in
the process that serves moto.
"""

from __future__ import annotations

import inspect
from typing import Any

import moto.core.responses

MOTOS_OWN: dict[str, Any] = {}


class MethodNames:
    """`method_names_from_class(clazz)` for its only use, `action in method_names`."""

    __slots__ = ("clazz",)

    def __init__(self, clazz: type) -> None:
        self.clazz = clazz

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not any(name in vars(kind) for kind in self.clazz.__mro__):
            return False
        return inspect.isfunction(getattr(self.clazz, name, None))


def method_names_from_class(clazz: Any) -> MethodNames:
    """moto's `method_names_from_class`, answering `in` without listing the class."""
    return MethodNames(clazz)


def install() -> None:
    """Make this process's moto dispatch without listing the response class."""
    if MOTOS_OWN:
        return
    MOTOS_OWN["method_names_from_class"] = moto.core.responses.method_names_from_class
    moto.core.responses.method_names_from_class = method_names_from_class  # type: ignore[assignment]


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    moto.core.responses.method_names_from_class = MOTOS_OWN["method_names_from_class"]
    MOTOS_OWN.clear()
