"""``loop_exit``: statements that belong after a loop, written inside it.

People learning loops put the code that should run once, after the loop, at the end of a block
inside it: ``else: return False`` in a search loop (the loop gives up at the first element that
does not match), ``lst.remove(biggest); out.append(biggest)`` inside the ``for`` that looks for
``biggest``. The statements themselves are right, so no edit of them helps; moving them out with
``stmt_dedent`` takes one edit per level, and the first alone seldom passes one more test. This
operator takes the last statements of a block inside a loop (its body, or the body or ``else:``
of an ``if`` in it, not inside a nested loop) to just after the loop, in one edit; a ``break``
or ``continue`` stays.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import libcst as cst

from petri.program.edits import BlockApplier, Edit, JsonScalar, Operator, Original, Slot, need
from petri.program.nodes import unpack
from petri.program.op_stmt import slot_of
from petri.program.sites import STMT, Site

Args = tuple[JsonScalar, ...]
_LOOPS = (cst.For, cst.While)
#: How often the edit moves one statement: a misplaced ``return`` is the commonest case.
ONE_RATE = 0.5


def _blocks(loop: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, cst.IndentedBlock]]:
    """Each block of ``loop`` that its statements may leave, with the node that owns it: the
    loop's body, and the bodies and ``else:``s of the ``if``s inside it (and of the ``with``s),
    in reading order; never inside a nested loop, function or class."""
    if not isinstance(loop, _LOOPS) or not isinstance(loop.body, cst.IndentedBlock):
        return
    yield loop, loop.body
    yield from _inner(loop.body)


def _inner(block: cst.IndentedBlock) -> Iterator[tuple[cst.CSTNode, cst.IndentedBlock]]:
    for statement in block.body:
        if isinstance(statement, cst.If):
            yield from _if_blocks(statement)
        elif isinstance(statement, cst.With) and isinstance(statement.body, cst.IndentedBlock):
            yield statement, statement.body
            yield from _inner(statement.body)


def _if_blocks(node: cst.If) -> Iterator[tuple[cst.CSTNode, cst.IndentedBlock]]:
    if isinstance(node.body, cst.IndentedBlock):
        yield node, node.body
        yield from _inner(node.body)
    if isinstance(node.orelse, cst.If):
        yield from _if_blocks(node.orelse)
    elif isinstance(node.orelse, cst.Else) and isinstance(node.orelse.body, cst.IndentedBlock):
        yield node.orelse, node.orelse.body
        yield from _inner(node.orelse.body)


def _controls(node: cst.CSTNode) -> bool:
    """Whether ``node`` holds a ``break`` or ``continue`` of the loop around it."""
    if isinstance(node, cst.Break | cst.Continue):
        return True
    if isinstance(node, cst.For | cst.While | cst.FunctionDef | cst.ClassDef | cst.Lambda):
        return False
    return any(_controls(child) for child in node.children)


def _movable(block: cst.IndentedBlock) -> int:
    """How many of ``block``'s last statements may leave the loop: up to one holding a
    ``break`` or a ``continue``, which belong to the loop."""
    count = 0
    for statement in reversed(block.body):
        if _controls(statement):
            break
        count += 1
    return count


def loop_exit(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """The last ``count`` statements of the loop's ``block``-th block (``_blocks``) -> just
    after the loop: args ``(block, count)``."""
    if site.kind != STMT:
        return None
    sizes = [(n, _movable(block)) for n, (_, block) in enumerate(_blocks(site.node))]
    sizes = [(number, size) for number, size in sizes if size]
    if not sizes:
        return None
    number, size = rng.choice(sizes)
    count = 1 if size == 1 or rng.random() < ONE_RATE else rng.randint(2, size)
    return Edit("loop_exit", site.index, (number, count))


def _emptied(
    owner: cst.CSTNode, block: cst.IndentedBlock, kept: list[cst.BaseStatement]
) -> cst.CSTNode | cst.RemovalSentinel:
    """``owner`` with ``block`` holding ``kept``: an emptied ``else:`` goes away, any other
    emptied block holds ``pass``."""
    if not kept and isinstance(owner, cst.Else):
        return cst.RemovalSentinel.REMOVE
    statements = kept or [cst.SimpleStatementLine([cst.Pass()])]
    replaced = owner.deep_replace(block, block.with_changes(body=statements))
    assert isinstance(replaced, cst.CSTNode)  # a block replaced by a block
    return replaced


def _apply_exit(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    number, count = unpack(args, int, int)
    slot = slot_of(original, site, slots)
    need(len(slot.main) == 1, "no loop here")
    loop = slot.main[0]
    blocks = list(_blocks(loop))
    need(0 <= number < len(blocks), f"no block {number} in this loop")
    owner, block = blocks[number]
    need(1 <= count <= len(block.body), f"cannot move {count} statements")
    kept, moved = list(block.body[:-count]), list(block.body[-count:])
    changed = _emptied(owner, block, kept)
    edited: cst.CSTNode | cst.RemovalSentinel = (
        loop.deep_remove(owner)
        if isinstance(changed, cst.RemovalSentinel)
        else loop.deep_replace(owner, changed)
    )
    need(isinstance(edited, cst.BaseStatement), "the loop went away")
    assert isinstance(edited, cst.BaseStatement)  # for the type checker: need() raised otherwise
    slot.main[0] = edited
    slot.after[:0] = [statement.with_changes(leading_lines=()) for statement in moved]


OPERATORS: dict[str, Operator] = {"loop_exit": loop_exit}
APPLIERS: dict[str, BlockApplier] = {"loop_exit": _apply_exit}
