"""A guard for the input a function's body does not handle: ``if not xs: return xs`` put before
its first statement.

A body written for the usual input often fails on an empty one (``xs[0]``, ``max(xs)``, a
division by ``len(xs)``): the fix is a guard, not a change of the body. It returns a literal
the function returns elsewhere (``return 0`` in a search: the guard returns ``0``, not
``False``), or for a function that returns none, a constant of ``GUARD_VALUES``. Never the
parameter itself: an empty list returned as it came is the caller's own list, and a caller
that fills the result fills its input (on the bundled ``merge_sort``, ``return xs`` passed the
tests and the shadow test, and failed ``holdout/``: "a sorted copy"). Operators and appliers
as in ``op_stmt``.
"""

from __future__ import annotations

import random

import libcst as cst

from petri.program.edits import BlockApplier, Edit, JsonScalar, Operator, Original, Slot, need
from petri.program.nodes import identifier, is_literal, literal, unpack
from petri.program.op_stmt import place, slot_of
from petri.program.sites import STMT, Site

Args = tuple[JsonScalar, ...]
#: What a guard may return in a function that returns no literal.
GUARD_VALUES = ("[]", "0", "None", "False", "True")


def guard_add(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``if not p: return v`` before the statement that opens a function's body: args
    ``(p, v)``, ``p`` one of the function's required parameters, ``v`` one of
    ``returned_values``."""
    params = original.info[site.index].opens
    if site.kind != STMT or not params:
        return None
    param = rng.choice(params)
    return Edit("guard_add", site.index, (param, rng.choice(returned_values(original, site))))


def returned_values(original: Original, site: Site) -> tuple[str, ...]:
    """The constants a guard may return at ``site``: the literals its function returns, else
    ``GUARD_VALUES``."""
    own = tuple(text for text in original.info[site.index].returned if is_literal(text))
    return own or GUARD_VALUES


def _apply_guard(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    param, value = unpack(args, str, str)
    params = original.info[site.index].opens
    allowed = returned_values(original, site)
    need(param in params and value in allowed, f"no guard {args} here")
    guard = cst.If(
        test=cst.UnaryOperation(cst.Not(), cst.Name(identifier(param))),
        body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(literal(value))])]),
    )
    place(slot_of(original, site, slots), guard, "before")


OPERATORS: dict[str, Operator] = {"guard_add": guard_add}
APPLIERS: dict[str, BlockApplier] = {"guard_add": _apply_guard}
