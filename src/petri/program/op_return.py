"""``return_end``: the ``return`` a function falls off its end without.

A function whose last statement is a loop or an ``if`` returns ``None`` when the loop ends or no
branch returns: ``for i, x in enumerate(xs): if x >= key: return i`` then nothing for a key past
every element. The repair is a whole statement the program does not have, often with a value it
never spells (``return len(xs)``, ``return -1``), so no copy of an existing statement supplies
it. This operator adds ``return v`` after the last statement of a function body that does not
already end by returning or raising; ``v`` is a data name in scope, ``len`` of one, or a
constant that such a fallback most often is.
"""

from __future__ import annotations

import random

import libcst as cst

from petri.program.edits import (
    BlockApplier,
    Edit,
    JsonScalar,
    Misfit,
    Operator,
    Original,
    Slot,
    need,
)
from petri.program.nodes import unpack
from petri.program.op_stmt import slot_of
from petri.program.sites import STMT, Site

Args = tuple[JsonScalar, ...]
#: The constants a function's fallback ``return`` most often gives.
CONSTANTS = ("0", "-1", "1", "True", "False", "None", "[]", "''")


def _function_body(original: Original, site: Site) -> bool:
    """Whether the site's statement is the last of a function's own body."""
    info = original.info[site.index]
    block = info.block
    if site.kind != STMT or not info.in_function or not isinstance(block, cst.IndentedBlock):
        return False
    if info.position != len(block.body) - 1:
        return False
    return any(
        isinstance(node, cst.FunctionDef) and node.body is block for node in _walk(original.module)
    )


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node and every statement-level node below it (expressions are not walked)."""
    found = [node]
    for child in node.children:
        if not isinstance(child, cst.BaseExpression):
            found.extend(_walk(child))
    return found


def _ends(statement: cst.CSTNode) -> bool:
    """Whether the statement ends the function itself: a ``return`` or a ``raise``."""
    if not isinstance(statement, cst.SimpleStatementLine) or not statement.body:
        return False
    return isinstance(statement.body[-1], cst.Return | cst.Raise)


def return_end(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """After a function body's last statement, when it neither returns nor raises, add
    ``return v``: args ``(v,)``, ``v`` a data name in scope, ``len(name)`` or a constant."""
    if _ends(site.node) or not _function_body(original, site):
        return None
    names = list(site.values)
    kind = rng.choice(("name", "len", "constant") if names else ("constant",))
    if kind == "constant":
        value = rng.choice(CONSTANTS)
    else:
        name = rng.choice(names)
        value = name if kind == "name" else f"len({name})"
    return Edit("return_end", site.index, (value,))


def _value(text: str) -> cst.BaseExpression:
    """The returned value, which must be of the shapes ``return_end`` proposes (edits are
    untrusted: they may come from a stored run)."""
    need(len(text) < 200, "a returned value is short")
    try:
        value = cst.parse_expression(text)
    except cst.ParserSyntaxError as exc:
        raise Misfit(f"{text!r} is no expression") from exc
    plain = text in CONSTANTS or (isinstance(value, cst.Name) and text.isidentifier())
    called = (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "len"
        and len(value.args) == 1
        and isinstance(value.args[0].value, cst.Name)
    )
    need(plain or called, f"{text!r} is not a name, len(name) or a constant")
    return value


def _apply(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    (text,) = unpack(args, str)
    value = _value(text)
    need(_function_body(original, site), f"site {site.index} does not end a function's body")
    slot = slot_of(original, site, slots)
    need(not any(_ends(s) for s in (*slot.main, *slot.after)), "the function returns here")
    slot.after.append(cst.SimpleStatementLine([cst.Return(value)]))


OPERATORS: dict[str, Operator] = {"return_end": return_end}
APPLIERS: dict[str, BlockApplier] = {"return_end": _apply}
