"""Donor operators: statements and bodies lent by other solutions of the task.

They apply only when the run was given donors (``petri.program.donors``), at a statement of a
function some donor also defines. ``donor_stmt`` puts one of the donor's statements (adapted
to the program's names) in place of, before or after the statement; ``donor_body`` replaces
the whole body of the function holding the statement by the donor's (the repair of a function
left unwritten, ``return`` alone), keeping its docstring. An edit carries the adapted code
itself, so it applies without the donors: a stored run replays, minimizes and reports from its
edits alone.
"""

from __future__ import annotations

import random

import libcst as cst

from petri.program.bodies import is_docstring
from petri.program.donors import Ingredient
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
from petri.program.op_stmt import place, slot_of
from petri.program.sites import STMT, Site

Args = tuple[JsonScalar, ...]
_WHERE = ("replace", "before", "after")  # "before" and "after" as ``op_stmt.place`` takes them


def _ingredients(original: Original, site: Site) -> tuple[Ingredient, ...]:
    if site.kind != STMT or not original.donors:
        return ()
    name = original.donors.function_of(original.info[site.index].ancestors)
    return original.donors.by_function.get(name, ()) if name else ()


def donor_stmt(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """Put a donor's statement in place of, before or after this one: args ``(code, where)``."""
    ingredients = _ingredients(original, site)
    if not ingredients:
        return None
    statement = rng.choice(rng.choice(ingredients).statements)
    return Edit("donor_stmt", site.index, (statement, rng.choice(_WHERE)))


def donor_body(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """Replace the body of the function this statement sits in, when the statement is one of
    that body's own, by a donor's body: args ``(code,)``."""
    ingredients = _ingredients(original, site)
    if not ingredients or id(original.info[site.index].block) not in original.donors.bodies:
        return None  # no donor, or a statement nested deeper than the body's own
    return Edit("donor_body", site.index, (rng.choice(ingredients).body,))


def _parsed(code: object) -> list[cst.BaseStatement]:
    if not isinstance(code, str) or not code.strip():
        raise Misfit(f"no statement in {code!r}")
    try:
        return list(cst.parse_module(code + "\n").body)
    except cst.ParserSyntaxError as exc:
        raise Misfit(f"donor code does not parse: {exc.message}") from exc


def _apply_stmt(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    code, where = unpack(args, str, str)
    slot = slot_of(original, site, slots)
    statements = _parsed(code)
    need(len(statements) == 1, "a donor statement is one statement")
    if where == "replace":
        slot.main[:] = statements
    else:
        place(slot, statements[0], where)


def _apply_body(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    (code,) = unpack(args, str)
    statements = _parsed(code)
    block = original.info[site.index].block
    need(id(block) in original.donors.bodies, f"site {site.index} is not in a function's body")
    # The program's docstring stays its own.
    kept = 1 if len(slots[0].main) == 1 and is_docstring(slots[0].main[0]) else 0
    need(len(slots) > kept, "a function's body holds a statement besides its docstring")
    for slot in slots[kept:]:
        slot.before.clear()
        slot.after.clear()
        slot.main.clear()
    slots[kept].main[:] = statements


OPERATORS: dict[str, Operator] = {"donor_body": donor_body, "donor_stmt": donor_stmt}
APPLIERS: dict[str, BlockApplier] = {"donor_body": _apply_body, "donor_stmt": _apply_stmt}
