"""Statement operators: the classic genetic-improvement baseline, plus short new statements.

Delete, copy-insert a statement from elsewhere, replace by another statement, swap two
statements of one block (``STATEMENT_OPS``), and insert a short statement built from names in
scope (``stmt_new``). Donors come from the original program, without their leading comments;
a swap moves the two statements as edited. Every statement edit applies at the block holding
its statement, after the edits inside the block's statements, by moving statements between
the block's slots (``petri.program.edits.Slot``).
"""

from __future__ import annotations

import random
from typing import cast

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
from petri.program.nodes import identifier, unpack
from petri.program.sites import STMT, Site

Statement = cst.BaseStatement
Args = tuple[JsonScalar, ...]
_WHERE = ("before", "after")
#: How often ``add``/``append`` go to a container no method is ever called on: one made empty
#: and never filled (``order = []`` ... ``return order``) is what a missing line leaves behind.
IDLE_RATE = 0.75


def _statement_sites(original: Original) -> list[Site]:
    return [site for site in original.sites if site.kind == STMT]


def stmt_delete(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """Delete the statement (``pass`` stands in when its block would be empty): no args."""
    return Edit("stmt_delete", site.index) if site.kind == STMT else None


def stmt_insert(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """Copy another statement of the program before or after this one:
    args ``(donor site, "before" or "after")``."""
    if site.kind != STMT:
        return None
    donors = [other.index for other in _statement_sites(original) if other.index != site.index]
    if not donors:
        return None
    return Edit("stmt_insert", site.index, (rng.choice(donors), rng.choice(_WHERE)))


def stmt_replace(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """Replace the statement by another statement of the program: args ``(donor site,)``."""
    if site.kind != STMT:
        return None
    donors = [other.index for other in _statement_sites(original) if other.index != site.index]
    return Edit("stmt_replace", site.index, (rng.choice(donors),)) if donors else None


def stmt_swap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """Swap the statement with another statement of its block: args ``(other site,)``."""
    if site.kind != STMT:
        return None
    block = original.info[site.index].block
    partners = [
        other.index
        for other in _statement_sites(original)
        if other.index != site.index and original.info[other.index].block is block
    ]
    return Edit("stmt_swap", site.index, (rng.choice(partners),)) if partners else None


def stmt_new(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """Insert ``a.add(b)``, ``a.append(b)``, ``a = b`` or (in a function) ``return a`` before
    or after the statement: args ``(template, where, a[, b])``.

    Names are data names in scope (no imports, functions or classes); the receiver of ``add``
    is a name assigned a set, of ``append`` one assigned a list, when the program has one
    (mostly one no method is ever called on, when any: ``IDLE_RATE``), and what is added is a
    name the program tests for membership in it (``x in seen``), when any.
    """
    if site.kind != STMT or not site.values:
        return None
    choices: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    if len(site.values) > 1:  # a pair needs two names
        choices["add"] = (site.of_kind("set") or site.values, site.values)
        choices["append"] = (site.of_kind("list") or site.values, site.values)
        choices["assign"] = (site.values, site.values)
    if original.info[site.index].in_function:
        choices["return"] = (site.values, ())
    if not choices:
        return None
    template = rng.choice(sorted(choices))
    where = rng.choice(_WHERE)
    receivers, values = choices[template]
    idle = [name for name in receivers if name not in site.busy]
    if template in ("add", "append") and idle and rng.random() < IDLE_RATE:
        receivers = tuple(idle)
    first = rng.choice(receivers)  # not empty: values has two names or more
    if template == "return":
        return Edit("stmt_new", site.index, (template, where, first))
    others = [name for name in values if name != first]
    if template in ("add", "append"):
        known = [name for holder, name in site.members if holder == first and name in others]
        others = known or others
    if not others:
        return None
    return Edit("stmt_new", site.index, (template, where, first, rng.choice(others)))


def slot_of(original: Original, site: Site, slots: list[Slot]) -> Slot:
    """The slot of the statement at ``site`` among its block's ``slots``; Misfit if none."""
    position = original.info[site.index].position
    need(site.kind == STMT and 0 <= position < len(slots), f"site {site.index} is no statement")
    return slots[position]


def _donor(original: Original, index: int) -> Statement:
    need(0 <= index < len(original.sites), f"no site {index}")
    donor = original.sites[index]
    need(donor.kind == STMT, f"site {index} is no statement")
    return cast(Statement, donor.node.with_changes(leading_lines=()))


def place(slot: Slot, statement: Statement, where: object) -> None:
    """Put ``statement`` before or after the one in ``slot`` (``where``); Misfit otherwise."""
    need(where in _WHERE, f"insert where? {where!r}")
    (slot.before if where == "before" else slot.after).append(statement)


def _apply_delete(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    unpack(args)
    slot_of(original, site, slots).main.clear()


def _apply_insert(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    donor, where = unpack(args, int, str)
    place(slot_of(original, site, slots), _donor(original, donor), where)


def _apply_replace(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    (donor,) = unpack(args, int)
    slot_of(original, site, slots).main[:] = [_donor(original, donor)]


def _apply_swap(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    (other,) = unpack(args, int)
    need(0 <= other < len(original.sites) and other != site.index, f"cannot swap with {other}")
    same_block = original.info[other].block is original.info[site.index].block
    need(same_block, "swapped statements share a block")
    mine, theirs = slot_of(original, site, slots), slot_of(original, original.sites[other], slots)
    mine.main, theirs.main = theirs.main, mine.main


def _apply_new(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    need(len(args) >= 3, f"bad new statement {args}")
    template, where = args[0], args[1]
    names = [cst.Name(identifier(name)) for name in args[2:]]
    small: cst.BaseSmallStatement
    if template == "return" and len(names) == 1:
        small = cst.Return(names[0])
    elif template == "assign" and len(names) == 2:
        small = cst.Assign([cst.AssignTarget(names[0])], names[1])
    elif template in ("add", "append") and len(names) == 2:
        method = cst.Attribute(names[0], cst.Name(str(template)))
        small = cst.Expr(cst.Call(method, [cst.Arg(names[1])]))
    else:
        raise Misfit(f"unknown statement template {args}")
    place(slot_of(original, site, slots), cst.SimpleStatementLine([small]), where)


OPERATORS: dict[str, Operator] = {
    "stmt_delete": stmt_delete,
    "stmt_insert": stmt_insert,
    "stmt_new": stmt_new,
    "stmt_replace": stmt_replace,
    "stmt_swap": stmt_swap,
}
APPLIERS: dict[str, BlockApplier] = {
    "stmt_delete": _apply_delete,
    "stmt_insert": _apply_insert,
    "stmt_new": _apply_new,
    "stmt_replace": _apply_replace,
    "stmt_swap": _apply_swap,
}
