"""Calls: the same function with its arguments swapped, one fewer, one more or another keyword;
a function of the program named where its result was meant called (``days`` -> ``days(m, b)``);
a call dropped for one of its arguments or its receiver; records compared whole where a field
was meant (``max(people)`` -> ``max(people, key=lambda item: item[1])``); an in-place method
whose result is used replaced by the copy that returns one (``xs.sort()`` -> ``sorted(xs)``); a
set that loses the order of what it deduplicates replaced by the dict that keeps it
(``list(set(xs))`` -> ``list(dict.fromkeys(xs))``).

Operators and appliers as in ``op_expr``.
"""

from __future__ import annotations

import random

import libcst as cst

from petri.program.arity import Span, of_builtin, of_method, positional_count
from petri.program.edits import Edit, JsonScalar, NodeApplier, Operator, Original, need
from petri.program.nodes import (
    expect,
    fit,
    identifier,
    int_literal,
    is_literal,
    literal,
    replace,
    strip,
    unpack,
)
from petri.program.precedence import ATOM
from petri.program.sites import CALLEE, STMT, Site

Args = tuple[JsonScalar, ...]
#: Literals ``arg_add`` offers besides the names in scope (``round(x)`` -> ``round(x, 1)``).
EXTRA_ARGUMENTS = ("0", "1")
#: ``unwrap``'s argument for the receiver of a method call: ``s.strip()`` -> ``s``.
RECEIVER = -1


def _call_at(site: Site) -> cst.Call | None:
    return site.node if site.kind != STMT and isinstance(site.node, cst.Call) else None


def _positional(call: cst.Call) -> list[int]:
    return [i for i, arg in enumerate(call.args) if arg.keyword is None and not arg.star]


#: Share of argument swaps drawn among neighbours: most swapped-argument bugs swap two
#: adjacent arguments (``Connection(dep, arr, dest, orig)``), and among six arguments a uniform
#: draw finds a given neighbouring pair one time in fifteen.
ADJACENT_SWAPS = 0.75


def arg_swap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``f(a, b)`` -> ``f(b, a)`` (positional arguments, neighbours most of the time): args
    ``(i, j)`` with i < j."""
    call = _call_at(site)
    spots = [] if call is None else _positional(call)
    if len(spots) < 2:
        return None
    if rng.random() < ADJACENT_SWAPS:
        k = rng.randrange(len(spots) - 1)
        return Edit("arg_swap", site.index, (spots[k], spots[k + 1]))
    first, second = sorted(rng.sample(spots, 2))
    return Edit("arg_swap", site.index, (first, second))


def _apply_arg_swap(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    call = expect(node, cst.Call)
    first, second = unpack(args, int, int)
    spots = _positional(call)
    need(first < second and first in spots and second in spots, f"cannot swap {args}")
    values = list(call.args)
    values[first] = values[first].with_changes(value=call.args[second].value)
    values[second] = values[second].with_changes(value=call.args[first].value)
    return call.with_changes(args=values)


def callee_span(original: Original, site: Site, call: cst.Call) -> Span | None:
    """The positional arguments the callee of ``call`` takes (``petri.program.arity``): a
    function the program defines, a builtin no name in scope hides, or a method of the
    standard types called on a data value; None when unknown."""
    func = call.func
    if isinstance(func, cst.Name):
        name = func.value
        if name in site.values:
            return None
        span = original.lexicon.span(name)
        return span if span is not None or name in site.names else of_builtin(name)
    if isinstance(func, cst.Attribute) and func.attr.value not in original.lexicon.own_methods:
        root = func.value
        while isinstance(root, cst.Attribute | cst.Subscript | cst.Call):
            root = root.func if isinstance(root, cst.Call) else root.value
        if not isinstance(root, cst.Name) or root.value in site.values:
            return of_method(func.attr.value)  # "".join, s.strip().split, xs[0].append
    return None


def arg_drop(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``f(a, b)`` -> ``f(a)``, any argument the callee can do without (never the only one of
    ``xs.append(x)`` or ``len(x)``): args ``(i,)``."""
    call = _call_at(site)
    if call is None or not call.args:
        return None
    spots = list(range(len(call.args)))
    span, count = callee_span(original, site, call), positional_count(call)
    if span is not None and count is not None and count <= span[0]:
        spots = [i for i in spots if call.args[i].keyword is not None]  # keywords only
    return Edit("arg_drop", site.index, (rng.choice(spots),)) if spots else None


def _apply_arg_drop(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    call = expect(node, cst.Call)
    (index,) = unpack(args, int)
    need(0 <= index < len(call.args), f"no argument {index}")
    values = list(call.args)
    dropped = values.pop(index)
    if values and index == len(values):  # the last one went: its comma (or none) ends the list
        values[-1] = values[-1].with_changes(comma=dropped.comma)
    return call.with_changes(args=values)


def _open_end(call: cst.Call) -> int:
    """Where positional arguments may go: before the first keyword or ``**`` argument."""
    return next(
        (i for i, arg in enumerate(call.args) if arg.keyword is not None or arg.star == "**"),
        len(call.args),
    )


def arg_add(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``f(a)`` -> ``f(a, x)`` or ``f(x, a)``, x a data name in scope, 0 or 1, where the callee
    takes one more (never ``xs.sort(x)``): args ``(position, x)``."""
    call = _call_at(site)
    if call is None:
        return None
    span, count = callee_span(original, site, call), positional_count(call)
    if span is not None and count is not None and span[1] is not None and count >= span[1]:
        return None  # xs.sort(), len(x): no room for one more
    value = rng.choice([*site.values, *EXTRA_ARGUMENTS])
    position = rng.choice(sorted({0, _open_end(call)}))
    return Edit("arg_add", site.index, (position, value))


def _apply_arg_add(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    call = expect(node, cst.Call)
    position, text = unpack(args, int, str)
    need(0 <= position <= _open_end(call), f"no room for a positional argument at {position}")
    value = literal(text) if is_literal(text) else cst.Name(identifier(text))
    values = list(call.args)
    values.insert(position, cst.Arg(value))  # libcst puts the commas between arguments
    return call.with_changes(args=values)


def keyword_replace(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``f(key=x)`` -> ``f(other=x)``, a keyword or parameter name the program uses: args
    ``(i, name)``."""
    call = _call_at(site)
    if call is None:
        return None
    spots = [i for i, arg in enumerate(call.args) if arg.keyword is not None]
    used = {arg.keyword.value for arg in call.args if arg.keyword is not None}
    names = [name for name in original.lexicon.keywords if name not in used]
    if not spots or not names:
        return None
    return Edit("keyword_replace", site.index, (rng.choice(spots), rng.choice(names)))


def _apply_keyword(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    call = expect(node, cst.Call)
    index, name = unpack(args, int, str)
    need(0 <= index < len(call.args), f"no argument {index}")
    arg = call.args[index]
    need(arg.keyword is not None, f"argument {index} has no keyword")
    values = list(call.args)
    values[index] = arg.with_changes(keyword=cst.Name(identifier(name)))
    return call.with_changes(args=values)


def unwrap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``f(x)`` -> ``x`` (any positional argument), ``s.strip()`` -> ``s``: args ``(i,)``, or
    ``(RECEIVER,)`` for the receiver of a method."""
    call = _call_at(site)
    if call is None:
        return None
    choices = _positional(call)
    if isinstance(call.func, cst.Attribute):
        choices.append(RECEIVER)
    return Edit("unwrap", site.index, (rng.choice(choices),)) if choices else None


def _apply_unwrap(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    call = expect(node, cst.Call)
    (index,) = unpack(args, int)
    inner: cst.BaseExpression
    if index == RECEIVER:
        inner = expect(call.func, cst.Attribute).value
    else:
        need(index in _positional(call), f"no positional argument {index}")
        inner = call.args[index].value
    return replace(original, site, call, strip(inner))


#: In-place methods whose copy returns the result: ``xs.sort()`` -> ``sorted(xs)``.
_COPIES = ("sort", "reverse")


def inplace_copy(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``xs.sort(...)`` -> ``sorted(xs, ...)``, ``xs.reverse()`` -> ``xs[::-1]``, where the
    call's result is used (``rev = xs.reverse()`` is ``None``): no args. Unlike
    ``inplace_result``, it leaves ``xs`` as it was, as a copy the program reads later needs."""
    call = _call_at(site)
    if call is None or _method(call) not in _COPIES or original.info[site.index].discarded:
        return None
    return None if _method(call) == "reverse" and call.args else Edit("inplace_copy", site.index)


def _method(call: cst.Call) -> str | None:
    func = call.func
    return func.attr.value if isinstance(func, cst.Attribute) else None


def _apply_inplace_copy(
    original: Original, site: Site, node: cst.CSTNode, args: Args
) -> cst.CSTNode:
    call = expect(node, cst.Call)
    unpack(args)
    method = _method(call)
    need(method in _COPIES, "only xs.sort() and xs.reverse() have a copy that returns")
    receiver = strip(expect(call.func, cst.Attribute).value)
    new: cst.BaseExpression
    if method == "sort":
        new = cst.Call(cst.Name("sorted"), [cst.Arg(receiver), *call.args])
    else:
        need(not call.args, "reverse() takes no arguments")
        backwards = cst.Slice(None, None, step=int_literal(-1))
        new = cst.Subscript(fit(receiver, ATOM), [cst.SubscriptElement(backwards)])
    return replace(original, site, call, new)


#: Calls whose result does not depend on the order of their argument: ``len(set(xs))`` and
#: ``sorted(set(xs))`` lose nothing to a set.
_ORDER_BLIND = frozenset({"len", "sorted", "set", "frozenset", "min", "max", "sum", "any", "all"})
#: Conversions that already make a sequence of ``dict.fromkeys(xs)``.
_SEQUENCES = frozenset({"list", "tuple"})
#: ``keep_order``'s forms: the keys as they are (inside ``list(...)``), or made a list.
KEYS, AS_LIST = "keys", "list"


def keep_order(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``set(xs)`` -> ``list(dict.fromkeys(xs))``, and inside ``list()`` or ``tuple()`` ->
    ``dict.fromkeys(xs)``: deduplication that keeps the first of each in order, where a set's
    order is arbitrary (``list(set(xs))`` for "the distinct elements, in order"): args
    ``(form,)``, ``KEYS`` or ``AS_LIST``. Not where the consumer ignores order (``len``,
    ``sorted``, ...)."""
    call = _call_at(site)
    if call is None or not _makes_set(call):
        return None
    outer = _caller(original, call)
    if outer in _ORDER_BLIND:
        return None
    return Edit("keep_order", site.index, (KEYS if outer in _SEQUENCES else AS_LIST,))


def _makes_set(call: cst.Call) -> bool:
    return (
        isinstance(call.func, cst.Name)
        and call.func.value in ("set", "frozenset")
        and len(call.args) == 1
        and _positional(call) == [0]
    )


def _caller(original: Original, call: cst.Call) -> str | None:
    """The name of the function ``call`` is the only argument of, if any."""
    for other in original.sites:
        node = other.node
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and len(node.args) == 1
            and node.args[0].value is call
        ):
            return node.func.value
    return None


def _apply_keep_order(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    call = expect(node, cst.Call)
    (form,) = unpack(args, str)
    need(form in (KEYS, AS_LIST), f"unknown form {form!r}")
    need(_makes_set(call), "only set(xs) or frozenset(xs) is deduplicated in order")
    keys = cst.Call(
        cst.Attribute(cst.Name("dict"), cst.Name("fromkeys")), [cst.Arg(call.args[0].value)]
    )
    new = keys if form == KEYS else cst.Call(cst.Name("list"), [cst.Arg(keys)])
    return replace(original, site, call, new)


def call_add(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``days`` -> ``days(month, birthdays)``: a function of the program named where its result
    was meant (its parentheses forgotten: ``for x in days:``). Args: the names passed, for each
    of its required parameters the data name in scope spelled the same, else one drawn from
    those in scope."""
    node = site.node
    if site.kind in (STMT, CALLEE) or not isinstance(node, cst.Name):
        return None
    params = original.lexicon.parameters_of(node.value)
    if params is None or node.value not in site.names or node.value in site.values:
        return None  # not the program's function here (a data name hides it)
    if params and not site.values:
        return None
    names = [p if p in site.values else rng.choice(site.values) for p in params]
    return Edit("call_add", site.index, tuple(names))


def _apply_call_add(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    function = expect(node, cst.Name)
    need(all(isinstance(name, str) for name in args), f"not names: {args}")
    passed = [cst.Arg(cst.Name(identifier(name))) for name in args]
    return cst.Call(function, passed)


#: The calls that order by a key: ``max(people)`` where ``max(people, key=...)`` was meant.
KEYED = frozenset({"max", "min", "sorted", "sort"})
#: The fields ``key_add`` orders by, besides the indexes the program uses: counted from the
#: front, as a record's fields are named (``-1`` only where the program uses it: which field
#: it reads depends on the record's length).
KEY_INDEXES = (0, 1)


def key_add(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``max(people)`` -> ``max(people, key=lambda item: item[1])``: records compared whole
    where one of their fields was meant (``max``, ``min``, ``sorted`` or ``.sort`` with one
    positional argument at most and no key): args ``(index,)``, an index the program uses or
    one of ``KEY_INDEXES``."""
    call = _call_at(site)
    if call is None or not _keyed(call, site) or len(_positional(call)) > 1:
        return None
    if any(arg.keyword is not None and arg.keyword.value == "key" for arg in call.args):
        return None
    indexes = sorted({*original.lexicon.indexes, *KEY_INDEXES})
    return Edit("key_add", site.index, (rng.choice(indexes),))


def _keyed(call: cst.Call, site: Site) -> bool:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value == "sort"
    return (
        isinstance(func, cst.Name)
        and func.value in KEYED - {"sort"}
        and func.value not in site.names
    )


def _apply_key_add(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    call = expect(node, cst.Call)
    (index,) = unpack(args, int)
    need(not any(a.keyword is not None and a.keyword.value == "key" for a in call.args), "keyed")
    item = cst.Name(_fresh("item", original))
    key = cst.Lambda(
        cst.Parameters([cst.Param(item)]),
        cst.Subscript(item, [cst.SubscriptElement(cst.Index(int_literal(index)))]),
    )
    tight = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    keyed = cst.Arg(key, keyword=cst.Name("key"), equal=tight)
    return call.with_changes(args=[*call.args, keyed])


def _fresh(name: str, original: Original) -> str:
    """``name``, with underscores after it until the program uses no such name."""
    while name in original.source:
        name += "_"
    return name


OPERATORS: dict[str, Operator] = {
    "arg_add": arg_add,
    "arg_drop": arg_drop,
    "arg_swap": arg_swap,
    "call_add": call_add,
    "inplace_copy": inplace_copy,
    "keep_order": keep_order,
    "key_add": key_add,
    "keyword_replace": keyword_replace,
    "unwrap": unwrap,
}
APPLIERS: dict[str, NodeApplier] = {
    "arg_add": _apply_arg_add,
    "arg_drop": _apply_arg_drop,
    "arg_swap": _apply_arg_swap,
    "call_add": _apply_call_add,
    "inplace_copy": _apply_inplace_copy,
    "keep_order": _apply_keep_order,
    "key_add": _apply_key_add,
    "keyword_replace": _apply_keyword,
    "unwrap": _apply_unwrap,
}
