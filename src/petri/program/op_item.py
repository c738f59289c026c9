"""``item_insert``: a name that stands for a whole record where one of its fields was meant.

``person > oldest`` compares whole tuples where ``person[1] > oldest[1]`` compares ages; a
record passed where its first or last field was meant is a slip of people new to tuples and
pairs. No edit of an existing subscript helps, as there is none; with ``echo`` the same field
is taken on both sides of a comparison in one step. Operators and appliers as in ``op_expr``.
"""

from __future__ import annotations

import random

import libcst as cst

from petri.program.edits import Edit, JsonScalar, NodeApplier, Operator, Original, need
from petri.program.nodes import expression, int_literal, replace, strip, unpack
from petri.program.sites import BOUND, EXPR, Site

Args = tuple[JsonScalar, ...]
#: The fields taken: the first, the second, the last.
_FIELDS = (0, 1, -1)


def item_insert(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """A name that is read (a value or a compared bound), ``x`` -> ``x[0]``, ``x[1]`` or
    ``x[-1]``: args ``(field,)``."""
    if site.kind not in (EXPR, BOUND) or not isinstance(site.node, cst.Name):
        return None
    if site.node.value in ("True", "False", "None"):
        return None
    return Edit("item_insert", site.index, (rng.choice(_FIELDS),))


def _apply_item(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    (field,) = unpack(args, int)
    need(field in _FIELDS, f"field {field!r}")
    current = expression(node)
    need(isinstance(strip(current), cst.Name), "not a name")
    index = cst.SubscriptElement(cst.Index(int_literal(int(field))))
    return replace(original, site, current, cst.Subscript(strip(current), [index]))


OPERATORS: dict[str, Operator] = {"item_insert": item_insert}
APPLIERS: dict[str, NodeApplier] = {"item_insert": _apply_item}
