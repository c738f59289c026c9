"""A candidate is the original program plus a list of edits.

Edits are small, JSON-able values naming an operator, a site of the original and the operator's
arguments, so crossover can combine edit lists and the final patch can be minimized by delta
debugging over edits. ``Original.apply`` turns an edit list back into source in one libcst pass
over the original tree, leaving every untouched byte as it was.

How an edit applies is up to its operator's applier, found by operator name in a registry that
the operator modules fill (``register``; ``petri.program.operators`` registers them all, and
importing any module of ``petri.program`` imports it). An expression edit applies at its node;
a statement edit at the block holding its statement, through ``Slot``s; a text edit (a model's
search/replace blocks, ``llm_edit``) to the source the tree edits rendered, in list order.
"""

from __future__ import annotations

import difflib
import math
import random
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import libcst as cst

from petri.errors import ProgramError
from petri.program.donors import Donors, read_donors
from petri.program.lexicon import Lexicon, read_lexicon
from petri.program.sites import Site, SiteInfo, find_sites

JsonScalar = str | int | float | bool | None
#: Edit lists whose outcome an ``Original`` remembers (then it starts afresh): a few
#: generations' worth of proposals and children.
APPLIED_KEPT = 4096
_UNKNOWN = object()
_Node = TypeVar("_Node", bound=cst.CSTNode)
_Block = cst.Module | cst.IndentedBlock


class Misfit(ValueError):
    """An edit does not fit its site (raised by appliers, turned into None by ``apply``)."""


def need(condition: bool, why: str) -> None:
    """Raise Misfit(why) unless ``condition``."""
    if not condition:
        raise Misfit(why)


@dataclass(frozen=True, order=True)
class Edit:
    """One change: operator ``op`` at site number ``site`` with operator-specific ``args``."""

    op: str
    site: int
    args: tuple[JsonScalar, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The edit as a JSON object: ``{"op": ..., "site": ..., "args": [...]}``."""
        return {"op": self.op, "site": self.site, "args": list(self.args)}

    @classmethod
    def from_json(cls, data: object) -> Edit:
        """Read an edit written by ``to_json``; ValueError names what is wrong with ``data``."""
        if not isinstance(data, dict):
            raise ValueError(f"an edit is a JSON object, got {type(data).__name__}")
        unknown = sorted(str(key) for key in data if key not in ("op", "site", "args"))
        if unknown:
            raise ValueError(f"an edit has only op, site and args; unexpected: {unknown}")
        op, site, args = data.get("op"), data.get("site"), data.get("args", [])
        if not isinstance(op, str) or not op:
            raise ValueError(f"edit op must be a non-empty string, got {op!r}")
        if not isinstance(site, int) or isinstance(site, bool) or site < 0:
            raise ValueError(f"edit site must be an integer >= 0, got {site!r}")
        if not isinstance(args, list):
            raise ValueError(f"edit args must be a list, got {type(args).__name__}")
        for arg in args:
            if not is_scalar(arg):
                raise ValueError(f"edit args must be JSON scalars, got {arg!r}")
        return cls(op, site, tuple(args))


def is_scalar(value: object) -> bool:
    """True for what an edit argument may be: a string, an int, a bool, None or a finite float."""
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


@dataclass(frozen=True, eq=False)
class Original:
    """The original program, parsed once per run (libcst Module + its edit sites).

    ``info[i]`` says where ``sites[i]`` sits (see ``SiteInfo``); ``lexicon`` holds the
    attribute, method and keyword names the program uses; build one with ``parse``.
    ``pieces`` caches the code of each top-level statement by ``id()``: rendering is most of
    the cost of ``apply``, and most top-level statements come out of an edit untouched.
    ``applied`` remembers the outcome of recent edit lists: a search applies the same list
    again and again (an operator checks that its edit applies, then the child made of it is
    applied; duplicates are proposed again; minimization retries subsets), and ``apply`` is
    pure, so each list pays libcst once.
    """

    source: str
    module: cst.Module
    sites: tuple[Site, ...]
    info: tuple[SiteInfo, ...]
    lexicon: Lexicon
    pieces: Mapping[int, str] = field(default_factory=dict, repr=False)
    donors: Donors = field(default_factory=Donors, repr=False)
    applied: dict[tuple[Edit, ...], str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def parse(cls, source: str, donors: Sequence[str] = ()) -> Original:
        """Parse ``source``; ProgramError when it is not valid Python. ``donors`` are other
        solutions of the task, whose functions lend code to the donor operators."""
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            if "\t" in source and compiles(source):  # CPython reads it: the tabs (indentation.py)
                raise ProgramError(
                    "the program mixes tabs and spaces in its indentation, which Python accepts "
                    "but petri's parser does not; indent it with spaces only"
                ) from exc
            raise ProgramError(
                f"the program is not valid Python ({exc.message.splitlines()[0]}); fix its syntax "
                "first: petri evolves programs that parse"
            ) from exc
        if not compiles(source):
            raise ProgramError("the program parses but does not compile; fix it before evolving")
        sites, info = find_sites(module, source)
        pieces = {id(statement): module.code_for_node(statement) for statement in module.body}
        lexicon = read_lexicon(module)
        lent = read_donors(module, source, donors)
        original = cls(source, module, sites, info, lexicon, pieces, donors=lent)
        if original.render(module) != source:  # a corner of the syntax the cache misses
            original = cls(source, module, sites, info, lexicon, donors=lent)
        return original

    def apply(self, edits: Sequence[Edit]) -> str | None:
        """The source with ``edits`` applied, or None when one does not fit or it won't compile.

        Edits apply in list order; an edit of an outer node sees its children already edited.
        Edits are untrusted (they may come from a stored run): a bad one gives None.
        """
        key = tuple(edits)
        try:
            known = self.applied.get(key, _UNKNOWN)  # one lookup: safe if a thread clears it
        except TypeError:  # an unhashable (so malformed) edit: no fit, found by _apply
            return self._apply(edits)
        if known is not _UNKNOWN:
            return cast(str | None, known)
        if len(self.applied) >= APPLIED_KEPT:
            self.applied.clear()
        source = self.applied[key] = self._apply(edits)
        return source

    def _apply(self, edits: Sequence[Edit]) -> str | None:
        text = [e for e in edits if _is_text(e)]
        tree = self.transform([e for e in edits if not _is_text(e)])
        if tree is None:
            return None
        source = self.render(tree)
        try:
            for edit in text:
                source = _TEXT_APPLIERS[edit.op](self, source, edit.args)
        except (ValueError, TypeError):  # Misfit included: untrusted edits give "no fit"
            return None
        return source if compiles(source) else None

    def render(self, tree: cst.Module) -> str:
        """The code of an edited tree (``tree.code``, reusing the untouched statements' code)."""
        if not self.pieces or not tree.has_trailing_newline or not tree.body:
            return tree.code
        parts = [tree.code_for_node(line) for line in tree.header]
        for statement in tree.body:
            piece = self.pieces.get(id(statement))
            parts.append(tree.code_for_node(statement) if piece is None else piece)
        parts.extend(tree.code_for_node(line) for line in tree.footer)
        return "".join(parts)

    def transform(self, edits: Sequence[Edit]) -> cst.Module | None:
        """The edited tree (not checked by ``compile``), or None when an edit does not fit."""
        try:
            return self.module.visit(_Applier(self, edits))
        except (
            ValueError,
            TypeError,
            IndexError,
            KeyError,
            RecursionError,
            cst.CSTValidationError,
        ):
            return None  # untrusted edits: any shape they may take must come out as "no fit"


def compiles(source: str) -> bool:
    """True when CPython compiles ``source`` (warnings silenced: they are not errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "<candidate>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return False
    return True


def diff(original: Original, source: str, path: str) -> str:
    """A unified diff from the original program to ``source``, with a/ and b/ path headers."""
    lines = difflib.unified_diff(
        original.source.splitlines(keepends=True),
        source.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    return "".join(
        line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines
    )


Statement = cst.BaseStatement


@dataclass
class Slot:
    """One position of a block while its statement edits apply: its comment lines and the
    statements now standing there (a deleted statement leaves its slot empty)."""

    lines: Sequence[cst.EmptyLine]
    main: list[Statement]
    before: list[Statement] = field(default_factory=list)
    after: list[Statement] = field(default_factory=list)


Args = tuple[JsonScalar, ...]
#: ``(original, site, rng) -> Edit | None``: proposes an edit at a site, None if it does not apply.
Operator = Callable[["Original", Site, random.Random], Edit | None]
#: Rebuilds an expression edit on its node as it is by then (children possibly edited already).
NodeApplier = Callable[["Original", Site, cst.CSTNode, Args], cst.CSTNode]
#: Applies a statement edit to the slots of its block.
BlockApplier = Callable[["Original", Site, list[Slot], Args], None]
#: Applies a text edit to the whole source as the edits before it left it.
TextApplier = Callable[["Original", str, Args], str]
BlockEdits = list[tuple[Site, Edit]]

_NODE_APPLIERS: dict[str, NodeApplier] = {}
_BLOCK_APPLIERS: dict[str, BlockApplier] = {}
_TEXT_APPLIERS: dict[str, TextApplier] = {}


def register(
    *,
    nodes: Mapping[str, NodeApplier] | None = None,
    blocks: Mapping[str, BlockApplier] | None = None,
    texts: Mapping[str, TextApplier] | None = None,
) -> None:
    """Teach ``Original.apply`` operators' appliers, by operator name: ``nodes`` apply at their
    site's node, ``blocks`` at the block of their statement, ``texts`` to the rendered source
    (their site is not read). ValueError for a name that already has another applier."""
    nodes, blocks, texts = dict(nodes or {}), dict(blocks or {}), dict(texts or {})
    known: dict[str, object] = {**_NODE_APPLIERS, **_BLOCK_APPLIERS, **_TEXT_APPLIERS}
    for name, applier in [*nodes.items(), *blocks.items(), *texts.items()]:
        if known.setdefault(name, applier) is not applier:
            raise ValueError(f"operator {name!r} already has an applier")
    _NODE_APPLIERS.update(nodes)
    _BLOCK_APPLIERS.update(blocks)
    _TEXT_APPLIERS.update(texts)


def is_text_edit(edit: Edit) -> bool:
    """True for an edit of the source text (a model's), which has no site in the tree."""
    return _is_text(edit)


def _is_text(edit: object) -> bool:
    return isinstance(edit, Edit) and isinstance(edit.op, str) and edit.op in _TEXT_APPLIERS


class _Applier(cst.CSTTransformer):
    """One pass that edits the sites named by the edits, visiting only the paths to them."""

    def __init__(self, original: Original, edits: Sequence[Edit]) -> None:
        super().__init__()
        self.original = original
        self.nodes: dict[int, list[tuple[Site, Edit]]] = {}
        self.blocks: dict[int, BlockEdits] = {}
        self.descend: set[int] = set()
        for edit in edits:
            site = _site_of(original, edit)
            info = original.info[site.index]
            if edit.op in _NODE_APPLIERS:
                self.nodes.setdefault(id(site.node), []).append((site, edit))
            elif edit.op in _BLOCK_APPLIERS and info.block is not None:
                self.blocks.setdefault(id(info.block), []).append((site, edit))
            else:
                raise Misfit(f"operator {edit.op!r} does not apply to site {edit.site}")
            self.descend.update(info.ancestors)

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) in self.descend

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave(self, original_node: _Node, updated_node: _Node) -> _Node:
        key = id(original_node)
        node: cst.CSTNode = updated_node
        for site, edit in self.nodes.get(key, ()):
            node = _NODE_APPLIERS[edit.op](self.original, site, node, edit.args)
        block_edits = self.blocks.get(key)
        if block_edits is not None:
            need(isinstance(node, cst.Module | cst.IndentedBlock), "statement edits need a block")
            node = _rewrite_block(self.original, cast(_Block, node), block_edits)
        return cast(_Node, node)


def _rewrite_block(original: Original, block: _Block, edits: BlockEdits) -> _Block:
    """``block`` (its statements already edited) with the statement ``edits`` applied in order:
    the statements become slots, each edit moves statements between slots, then the slots
    flatten back into the body. A position keeps its comments and blank lines; those of a
    deleted statement move on to the next statement, and a block left empty gets ``pass``."""
    slots = [Slot(_leading(s), [s.with_changes(leading_lines=())]) for s in _body(block)]
    for site, edit in edits:
        _BLOCK_APPLIERS[edit.op](original, site, slots, edit.args)
    body: list[Statement] = []
    pending: list[cst.EmptyLine] = []
    for slot in slots:
        pending.extend(slot.lines)
        statements = [*slot.before, *slot.main, *slot.after]
        if statements:
            first = statements[0]
            lines = [*pending, *_leading(first)]
            statements[0] = first.with_changes(leading_lines=lines)
            pending = []
            body.extend(statements)
    if not body:
        body, pending = [cst.SimpleStatementLine([cst.Pass()], leading_lines=pending)], []
    return block.with_changes(body=body, footer=[*pending, *block.footer])


def _body(block: _Block) -> Sequence[Statement]:
    return block.body


def _leading(statement: Statement) -> Sequence[cst.EmptyLine]:
    # Every statement of a block is one of these two; BaseStatement does not declare the field.
    return cast(cst.SimpleStatementLine | cst.BaseCompoundStatement, statement).leading_lines


def _site_of(original: Original, edit: Edit) -> Site:
    if not isinstance(edit, Edit) or not isinstance(edit.op, str):
        raise Misfit(f"not an edit: {edit!r}")
    index = edit.site
    if (
        not isinstance(index, int)
        or isinstance(index, bool)
        or not 0 <= index < len(original.sites)
    ):
        raise Misfit(f"site {index!r} is out of range")
    if not isinstance(edit.args, tuple) or not all(is_scalar(arg) for arg in edit.args):
        raise Misfit(f"edit args must be a tuple of JSON scalars, got {edit.args!r}")
    return original.sites[index]
