"""``loop_step``: the step a ``while`` loop forgot, ``i += 1`` at the end of its body.

A ``while`` loop whose condition reads a counter its body never changes either never runs or
never stops; people new to ``while`` forget the step more than anything else in it. The step is
a whole missing statement, which no edit of an existing one supplies, and copying one from
elsewhere takes a second edit to rename it. This operator adds ``name += 1`` or ``name -= 1``
for a name the condition reads and the body never assigns, at the end of the body as edited.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import libcst as cst

from petri.program.edits import BlockApplier, Edit, JsonScalar, Operator, Original, Slot, need
from petri.program.nodes import identifier, unpack
from petri.program.sites import STMT, Site

Args = tuple[JsonScalar, ...]
_STEPS = {"+": cst.AddAssign, "-": cst.SubtractAssign}


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _targets(target: cst.CSTNode) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, cst.Tuple | cst.List):
        for element in target.elements:
            yield from _targets(element.value)


def _read(tree: cst.CSTNode) -> list[str]:
    """The plain names ``tree`` reads, in reading order, leaving out called names and
    attribute names (``more`` in ``self.more``: not a variable)."""
    nodes = list(_walk(tree))
    called = {id(node.func) for node in nodes if isinstance(node, cst.Call)}
    called |= {id(node.attr) for node in nodes if isinstance(node, cst.Attribute)}
    names = [n.value for n in nodes if isinstance(n, cst.Name) and id(n) not in called]
    return list(dict.fromkeys(names))


def _assigned(tree: cst.CSTNode) -> set[str]:
    """The names ``tree`` assigns (``=``, ``+=``, annotated, a ``for`` target)."""
    found: set[str] = set()
    for node in _walk(tree):
        if isinstance(node, cst.AssignTarget | cst.AugAssign | cst.AnnAssign | cst.For):
            found.update(_targets(node.target))
    return found


def _unstepped(loop: cst.While) -> list[str]:
    """Names the loop's condition reads and its body never assigns, in reading order."""
    assigned = _assigned(loop.body)
    return [name for name in _read(loop.test) if name not in assigned | _CONSTANTS]


_CONSTANTS = frozenset({"True", "False", "None"})


def loop_step(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``while c: body`` -> ``while c: body; name += 1`` (or ``-= 1``), ``name`` read by ``c``
    and assigned nowhere in the body: args ``(name, "+" or "-")``."""
    if site.kind != STMT or not isinstance(site.node, cst.While):
        return None
    if not isinstance(site.node.body, cst.IndentedBlock):
        return None
    names = _unstepped(site.node)
    if not names:
        return None
    return Edit("loop_step", site.index, (rng.choice(names), rng.choice(sorted(_STEPS))))


def _apply_step(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    name, sign = unpack(args, str, str)
    need(sign in _STEPS, f"step sign {sign!r}")
    position = original.info[site.index].position
    need(site.kind == STMT and 0 <= position < len(slots), f"site {site.index} is no statement")
    slot = slots[position]
    loop = slot.main[0] if len(slot.main) == 1 else None
    need(isinstance(loop, cst.While), "no while loop here")
    assert isinstance(loop, cst.While)  # for the type checker: need() raised otherwise
    need(isinstance(loop.body, cst.IndentedBlock), "the loop's body is on its line")
    step = cst.AugAssign(cst.Name(identifier(name)), _STEPS[sign](), cst.Integer("1"))
    body = loop.body.with_changes(body=[*loop.body.body, cst.SimpleStatementLine([step])])
    slot.main[0] = loop.with_changes(body=body)


OPERATORS: dict[str, Operator] = {"loop_step": loop_step}
APPLIERS: dict[str, BlockApplier] = {"loop_step": _apply_step}
