"""How many positional arguments a call may take, where the program or Python says so.

``arg_drop`` and ``arg_add`` ask before they change a call: dropping the only argument of
``xs.append(x)`` or ``len(x)``, or adding one to ``xs.sort()``, makes a program whose every run
of that line raises a TypeError, an evaluation spent to learn nothing. A callee is known when
it is a function the program defines (by its parameters), a builtin not hidden by a name in
scope, or a method of the standard containers and strings called on a value (the union of
their signatures: ``pop`` takes 0 to 2). Anything else (an import's function, a class, a
method of the program's own classes) is unknown and every edit stays allowed.
"""

from __future__ import annotations

import builtins
import functools
import inspect
from collections.abc import Callable, Mapping

import libcst as cst

#: (least, most) positional arguments; most None: any number.
Span = tuple[int, int | None]

#: Standard types whose methods a value in a program most often has.
_TYPES: tuple[type, ...] = (list, dict, set, frozenset, str, tuple)
#: Builtins and methods that inspect finds no signature for (CPython 3.11).
_UNSIGNED: Mapping[str, Span] = {
    "min": (1, None),
    "max": (1, None),
    "range": (1, 3),
    "int": (0, 2),
    "str": (0, 3),
    "bool": (0, 1),
    "set": (0, 1),
    "frozenset": (0, 1),
    "dict": (0, 1),
    "zip": (0, None),
    "map": (2, None),
    "filter": (2, 2),
    "next": (1, 2),
    "iter": (1, 2),
    "type": (1, 3),
    "dict.pop": (1, 2),
    "dict.update": (0, 1),
    "dict.keys": (0, 0),
    "dict.values": (0, 0),
    "dict.items": (0, 0),
    "dict.copy": (0, 0),
    "dict.clear": (0, 0),
    "dict.popitem": (0, 0),
    "set.pop": (0, 0),
    "set.add": (1, 1),
    "set.remove": (1, 1),
    "set.discard": (1, 1),
    "set.copy": (0, 0),
    "set.clear": (0, 0),
    "set.update": (0, None),
    "set.union": (0, None),
    "set.intersection": (0, None),
    "set.difference": (0, None),
    "frozenset.copy": (0, 0),
    "frozenset.union": (0, None),
    "frozenset.intersection": (0, None),
    "frozenset.difference": (0, None),
    "str.index": (1, 3),
    "str.rindex": (1, 3),
    "str.find": (1, 3),
    "str.rfind": (1, 3),
    "str.count": (1, 3),
    "str.startswith": (1, 3),
    "str.endswith": (1, 3),
    "str.format": (0, None),
}


def of_callable(function: Callable[..., object], bound: bool = False) -> Span | None:
    """The span of ``function``'s signature (less ``self`` when ``bound``), None without one."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return None
    if bound and parameters:
        parameters = parameters[1:]
    return _span(
        [p.default is inspect.Parameter.empty for p in parameters if _positional(p)],
        any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters),
    )


def _positional(parameter: inspect.Parameter) -> bool:
    return parameter.kind in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )


def _span(required: list[bool], star: bool) -> Span:
    return sum(required), None if star else len(required)


@functools.cache
def of_builtin(name: str) -> Span | None:
    """The span of the builtin ``name``; None for a name that is none or has no known span."""
    function = getattr(builtins, name, None)
    if function is None or not callable(function):
        return None
    return _UNSIGNED.get(name) or of_callable(function)


@functools.cache
def of_method(name: str) -> Span | None:
    """The span of method ``name`` over every standard type that has one: the fewest any
    takes and the most; None when no type has it or one's is unknown."""
    if name.startswith("_"):
        return None
    spans: list[Span | None] = []
    for kind in _TYPES:
        method = getattr(kind, name, None)
        if method is None:
            continue
        spans.append(_UNSIGNED.get(f"{kind.__name__}.{name}") or of_callable(method, bound=True))
    if not spans or None in spans:
        return None
    least = min(span[0] for span in spans if span is not None)
    mosts = [span[1] for span in spans if span is not None]
    return least, None if None in mosts else max(m for m in mosts if m is not None)


def of_definition(function: cst.FunctionDef) -> Span:
    """The span of a function the program defines, from its parameters."""
    params = function.params
    listed = [*params.posonly_params, *params.params]
    return _span([p.default is None for p in listed], isinstance(params.star_arg, cst.Param))


def positional_count(call: cst.Call) -> int | None:
    """How many positional arguments ``call`` passes; None when a ``*`` or ``**`` argument
    hides how many."""
    if any(arg.star for arg in call.args):
        return None
    return sum(1 for arg in call.args if arg.keyword is None)
