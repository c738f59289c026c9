"""The operator registry, ``propose`` (the one call the search makes to mutate), ``echo`` and
``move``.

An operator is a pure function ``(original, site, rng) -> Edit | None`` (None: not
applicable at that site); the rng is its only source of randomness. Each comes with the applier
that ``Original.apply`` uses to rebuild its edits on the node as it is by then (its children
possibly edited already), raising Misfit when the edit does not fit; this module registers them
all. Operator swaps live in ``op_swap``; a word for another in ``op_expr``; indexes and slices
in ``op_index``; calls in ``op_call``; what is added around or after a value in ``op_wrap``;
conditions in ``op_cond``; edits inside a statement line in ``op_line``; statement operators in
``op_stmt``; statements moved one indentation level out or in, in ``op_block``; statements
moved out of a loop in ``op_exit``; a guard for the input a function's body does not handle
in ``op_guard``; a ``while`` loop's missing step in ``op_loop``; the object
kept instead of an in-place method's ``None`` in ``op_inplace``; code lent by donor programs in
``op_donor``; a model's search/replace blocks (``llm_edit``, proposed by the search, not here)
in ``op_llm``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Mapping
from typing import cast

import libcst as cst

from petri.program import (
    op_block,
    op_call,
    op_cond,
    op_donor,
    op_exit,
    op_expr,
    op_guard,
    op_index,
    op_inplace,
    op_line,
    op_llm,
    op_loop,
    op_stmt,
    op_swap,
    op_wrap,
)
from petri.program.edits import BlockApplier, Edit, NodeApplier, Operator, Original, register
from petri.program.sites import STMT, Site

_NODE_MODULES = (op_call, op_cond, op_expr, op_index, op_line, op_swap, op_wrap)
#: Every operator by name, in name order.
OPERATORS: dict[str, Operator] = dict(
    sorted(
        {
            name: op
            for module in (
                *_NODE_MODULES,
                op_stmt,
                op_block,
                op_exit,
                op_guard,
                op_loop,
                op_inplace,
                op_donor,
            )
            for name, op in module.OPERATORS.items()
        }.items()
    )
)
#: The operators that apply only to a program given donors.
DONOR_OPS = frozenset(op_donor.OPERATORS)
#: The classic statement-level baseline: delete, copy-insert, replace, swap.
STATEMENT_OPS = frozenset({"stmt_delete", "stmt_insert", "stmt_replace", "stmt_swap"})
#: How edits apply: at their node, or at the block holding their statement.
NODE_APPLIERS: dict[str, NodeApplier] = {
    name: applier for module in _NODE_MODULES for name, applier in module.APPLIERS.items()
}
BLOCK_APPLIERS: dict[str, BlockApplier] = {
    **op_stmt.APPLIERS,
    **op_block.APPLIERS,
    **op_exit.APPLIERS,
    **op_guard.APPLIERS,
    **op_loop.APPLIERS,
    **op_inplace.APPLIERS,
    **op_donor.APPLIERS,
}
register(nodes=NODE_APPLIERS, blocks=BLOCK_APPLIERS, texts=op_llm.APPLIERS)
#: Added to every line's suspiciousness, so that lines no test blamed still get edited.
SITE_FLOOR = 0.02


def propose(
    original: Original,
    rng: random.Random,
    *,
    weights: Mapping[int, float] | None = None,
    ops: Collection[str] | None = None,
    mix: Mapping[str, float] | None = None,
    tries: int = 30,
    lines: Collection[int] | None = None,
) -> Edit | None:
    """One new edit that applies on its own and changes the program, or None.

    Draws a site with probability proportional to ``weights.get(site.line, 0) + SITE_FLOOR``
    (``weights`` is per-line suspiciousness in [0, 1]; None means uniform), then tries the
    operators of ``ops`` (default: all; the donor operators only for a program given donors) in
    a random order until one applies there; up to ``tries`` sites. ``mix`` thins that order: an
    operator of weight ``w`` (1.0 when not listed) takes its turn with probability ``w / max(1,
    *mix.values())`` and is skipped otherwise, so it is proposed about that much less often
    wherever it applies, alone or among others (None: every operator takes its turn).
    ``lines`` keeps the draw to the sites on those lines (None: every site). ValueError for an
    unknown operator name or a weight that is not a positive number.
    """
    names = sorted(OPERATORS if ops is None else ops)
    unknown = [name for name in names if name not in OPERATORS]
    if unknown:
        raise ValueError(f"unknown operators {unknown}; known: {sorted(OPERATORS)}")
    bad = {name: w for name, w in (mix or {}).items() if not (0 < w < math.inf)}
    if bad:
        raise ValueError(f"operator weights must be positive numbers, got {bad}")
    if not original.donors:  # they cannot apply; leaving them out keeps the draws as they were
        names = [name for name in names if name not in DONOR_OPS]
    sites = original.sites
    if lines is not None:
        sites = tuple(site for site in sites if site.line in lines)
    if not sites or not names:
        return None
    site_weights = None
    if weights is not None:
        site_weights = [max(0.0, weights.get(site.line, 0.0)) + SITE_FLOOR for site in sites]
    turns = None
    if mix is not None:
        top = max([1.0, *mix.values()])
        turns = {name: mix.get(name, 1.0) / top for name in names}
    for _ in range(tries):
        site = rng.choices(sites, weights=site_weights)[0]
        edit = _first_applicable(original, site, names, turns, rng)
        if edit is not None:
            return edit
    return None


def unbound_names(original: Original) -> frozenset[str]:
    """The names ``original`` reads where they are bound nowhere in scope (nor builtins)."""
    return frozenset(
        s.node.value
        for s in original.sites
        if isinstance(s.node, cst.Name) and op_expr.reads_unbound(s)
    )


def at_named(
    original: Original, named: Collection[str], rng: random.Random, ops: Collection[str] | None
) -> Edit | None:
    """``name_replace`` at a read of a name of ``named`` that ``original`` reads bound nowhere
    (a child's ``NameError: name 'new' is not defined``), the reads in a random order until
    one applies; None when there is none, or ``ops`` leaves ``name_replace`` out. The
    interpreter has put its finger on the slip; a site drawn by suspiciousness among a line's
    other values reaches it rarely. A name the original binds is no slip of the original's
    (a child's own edit unbound it: a deleted assignment)."""
    if ops is not None and "name_replace" not in ops:
        return None
    reads = [
        s
        for s in original.sites
        if isinstance(s.node, cst.Name) and s.node.value in named and op_expr.reads_unbound(s)
    ]
    rng.shuffle(reads)
    for site in reads:
        edit = OPERATORS["name_replace"](original, site, rng)
        if edit is not None and original.apply([edit]) not in (None, original.source):
            return edit
    return None


def _first_applicable(
    original: Original,
    site: Site,
    names: list[str],
    turns: Mapping[str, float] | None,
    rng: random.Random,
) -> Edit | None:
    """The edit of the first operator, in a random order, that takes its turn (``turns``:
    the probability that it does) and applies at ``site``.

    Without ``turns``, the first applicable one in a uniformly shuffled order is uniform among
    the applicable.
    """
    order = list(names)
    rng.shuffle(order)
    for name in order:
        if turns is not None and rng.random() >= turns[name]:
            continue
        edit = OPERATORS[name](original, site, rng)
        if edit is None:
            continue
        source = original.apply([edit])
        if source is not None and source != original.source:
            return edit
    return None


def echo(original: Original, edit: Edit, rng: random.Random) -> Edit | None:
    """``edit`` repeated at a twin site, or None: another site of its line with the same kind
    and node type, or for a name replaced, another read of that name (below).

    A slip made once is often made twice on one line (``a[i] == b[j]`` for ``a[i - 1] ==
    b[j - 1]``); neither half passes a test alone, so the search would have to find both by
    chance. Only expression edits echo: a statement edit's args name other statements. A name
    replaced also echoes to its reads on the next and previous line (``xs.remove(i)`` then
    ``out.append(i)``, ``i`` meant as ``smallest`` in both), and a name bound nowhere in scope
    (``day`` in a function whose parameter is ``date``) to its reads on any line of that
    scope: each raises the NameError on its own.
    """
    if edit.op not in NODE_APPLIERS or not 0 <= edit.site < len(original.sites):
        return None
    site = original.sites[edit.site]
    reach = -1.0
    if edit.op == "name_replace":
        reach = math.inf if op_expr.reads_unbound(site) else ECHO_LINES
    twins = [
        other
        for other in original.sites
        if other.index != site.index
        and type(other.node) is type(site.node)
        and (
            (other.line == site.line and other.kind == site.kind) or _same_read(site, other, reach)
        )
    ]
    rng.shuffle(twins)
    alone = original.apply([edit])
    for twin in twins:
        repeat = Edit(edit.op, twin.index, edit.args)
        source = original.apply([edit, repeat])
        if source is not None and source != alone:
            return repeat
    return None


#: How many lines away a replaced name echoes to its other reads (a name bound nowhere in
#: scope: every line).
ECHO_LINES = 1


def _same_read(site: Site, other: Site, reach: float) -> bool:
    """``other`` reads the name ``site`` reads, in the same scope, within ``reach`` lines."""
    if abs(other.line - site.line) > reach or other.names != site.names:
        return False
    return isinstance(other.node, cst.Name) and other.node.value == cast(cst.Name, site.node).value


#: How far (in lines) ``move`` takes an expression edit.
MOVE_LINES = 2


def move(original: Original, edit: Edit, rng: random.Random) -> Edit | None:
    """``edit`` with the same operator and args at a neighbouring site, or None.

    The right change in the wrong place (a statement copied one statement too early, an
    index shifted on the line below) passes some tests and then traps the search: drawing a
    fresh edit forgets what it found. A statement edit moves to another statement of its
    block, an expression edit to a site of the same kind and node type within ``MOVE_LINES``.
    """
    if edit.op in op_llm.APPLIERS or not 0 <= edit.site < len(original.sites):
        return None  # a text edit has no site to move from
    site = original.sites[edit.site]
    if edit.op in BLOCK_APPLIERS:
        block = original.info[site.index].block
        places = [
            s for s in original.sites if s.kind == STMT and original.info[s.index].block is block
        ]
    else:
        places = [
            s
            for s in original.sites
            if s.kind == site.kind
            and type(s.node) is type(site.node)
            and abs(s.line - site.line) <= MOVE_LINES
        ]
    rng.shuffle(places)
    for place in places:
        if place.index == site.index:
            continue
        moved = Edit(edit.op, place.index, edit.args)
        source = original.apply([moved])
        if source is not None and source != original.source:
            return moved
    return None


def transplants(original: Original, edit: Edit, lines: Collection[int]) -> list[Edit]:
    """``edit`` (an expression edit) with the same operator at each site of its kind on
    ``lines``, where it applies and changes the program: first with the same args, then the
    others the operator draws there (``SWEEP_DRAWS`` seeded draws); in that order and site
    order, one per program.

    A patch that passes the tests may be the right change one step downstream of the fault (a
    clamp added where a helper's result is used rather than in the helper): tried on the
    lines that feed the patched one (``petri.program.slices``), the same change may be the
    repair, or the same kind of change with other args (a clamp from below, ``max(0, e)``,
    where the patch clamped from above, ``min(e, width)``). Statement and text edits do not
    transplant.
    """
    if edit.op not in NODE_APPLIERS or not 0 <= edit.site < len(original.sites):
        return []
    kind = original.sites[edit.site].kind
    sites = [
        site
        for site in original.sites
        if site.line in lines and site.kind == kind and site.index != edit.site
    ]
    same = [Edit(edit.op, site.index, edit.args) for site in sites]
    others = [e for site in sites for e in _drawn(original, site, edit.op) if e.args != edit.args]
    found: dict[str, Edit] = {}
    for moved in (*same, *others):
        source = original.apply([moved])
        if source is not None and source != original.source:
            found.setdefault(source, moved)
    return list(found.values())


#: The operators that change one token or swap two, adding no code: the one-token repairs
#: (an operator, a name, a constant, an index off by one) that ``sweep`` walks.
TOKEN_OPS = frozenset(
    {
        "arg_swap",
        "attr_replace",
        "augop_swap",
        "binop_swap",
        "boolop_swap",
        "cmpop_swap",
        "const_replace",
        "index_shift",
        "keyword_replace",
        "name_replace",
        "operand_swap",
        "unary_drop",
        "unary_swap",
    }
)
#: Draws per operator and site when ``sweep`` lists the edits an operator makes there.
SWEEP_DRAWS = 12


def sweep(
    original: Original,
    lines: Collection[int],
    *,
    ops: Collection[str] | None = None,
    mix: Mapping[str, float] | None = None,
) -> list[Edit]:
    """The distinct one-token edits (``TOKEN_OPS`` among ``ops``) of ``original`` at the
    sites on ``lines``, in a fixed order: line by line (``lines``' order), site by site,
    operators by ``mix`` weight (heaviest first), each drawn ``SWEEP_DRAWS`` times with
    generators seeded by site and operator. Edits that do not apply are left in: applying
    them is the caller's (it applies what it takes anyway).

    Sampling finds a rare edit at a line by luck: one operator's one argument among the tens
    of edits a line admits (``//`` for ``/``) came up about once in a thousand children. A
    search that knows where to look (the line of a repair that may overfit) walks them all.
    Only one-token edits: code added at every site of a line (a ``max(a, ...)`` around each
    value) passes the tests in ways the shadow test must then tell apart, and on
    ``examples/gcd_lcm`` one such patch, agreeing with the buggy original near the tests, was
    promoted over the fix.
    """
    names = sorted(TOKEN_OPS if ops is None else TOKEN_OPS & set(ops))
    if not original.donors:
        names = [name for name in names if name not in DONOR_OPS]
    weight = mix or {}
    names.sort(key=lambda name: -weight.get(name, 1.0))
    found: dict[Edit, None] = {}
    for line in lines:
        for site in (s for s in original.sites if s.line == line):
            for name in names:
                found.update(dict.fromkeys(_drawn(original, site, name)))
    return list(found)


def siblings(original: Original, edit: Edit) -> list[Edit]:
    """The other edits of ``edit``'s operator at its site (``SWEEP_DRAWS`` seeded draws, in
    draw order), one per program they make: the same kind of change with other args
    (``return 0`` where a guard returned ``False``, ``item[1]`` where a key read
    ``item[-1]``). None for a text edit or an edit of a one-token operator (``sweep`` walks
    those)."""
    if edit.op not in OPERATORS or edit.op in TOKEN_OPS or not 0 <= edit.site < len(original.sites):
        return []
    found: dict[str, Edit] = {}
    for other in _drawn(original, original.sites[edit.site], edit.op):
        source = original.apply([other])
        if other.args != edit.args and source is not None and source != original.source:
            found.setdefault(source, other)
    return list(found.values())


def _drawn(original: Original, site: Site, name: str) -> list[Edit]:
    """The edits operator ``name`` makes at ``site`` in ``SWEEP_DRAWS`` seeded draws."""
    draws = (random.Random(f"{site.index}:{name}:{k}") for k in range(SWEEP_DRAWS))
    return [e for e in (OPERATORS[name](original, site, rng) for rng in draws) if e is not None]
