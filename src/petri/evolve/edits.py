"""A candidate is the original program plus a list of edits.

Edits are small, JSON-able values naming an operator, a site of the original and the operator's
arguments, so crossover can combine edit lists and the final patch can be minimized by delta
debugging over edits. ``Original.apply`` turns an edit list back into source in one libcst pass
over the original tree, leaving every untouched byte as it was.
"""

from __future__ import annotations

import difflib
import keyword
import math
import random
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import libcst as cst

from petri.errors import ProgramError
from petri.evolve.precedence import precedence
from petri.evolve.sites import Site, SiteInfo, find_sites

JsonScalar = str | int | float | bool | None
_Node = TypeVar("_Node", bound=cst.CSTNode)
_Block = cst.Module | cst.IndentedBlock


class Misfit(ValueError):
    """An edit does not fit its site (raised by appliers, turned into None by ``apply``)."""


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
            if not _is_scalar(arg):
                raise ValueError(f"edit args must be JSON scalars, got {arg!r}")
        return cls(op, site, tuple(args))


def _is_scalar(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


@dataclass(frozen=True, eq=False)
class Original:
    """The original program, parsed once per run (libcst Module + its edit sites).

    ``info[i]`` says where ``sites[i]`` sits (see ``SiteInfo``); build one with ``parse``.
    ``pieces`` caches the code of each top-level statement by ``id()``: rendering is most of
    the cost of ``apply``, and most top-level statements come out of an edit untouched.
    """

    source: str
    module: cst.Module
    sites: tuple[Site, ...]
    info: tuple[SiteInfo, ...]
    pieces: Mapping[int, str] = field(default_factory=dict, repr=False)

    @classmethod
    def parse(cls, source: str) -> Original:
        """Parse ``source``; ProgramError when it is not valid Python."""
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            raise ProgramError(
                f"the program is not valid Python ({exc.message.splitlines()[0]}); fix its syntax "
                "first: petri evolves programs that parse"
            ) from exc
        if not compiles(source):
            raise ProgramError("the program parses but does not compile; fix it before evolving")
        sites, info = find_sites(module, source)
        pieces = {id(statement): module.code_for_node(statement) for statement in module.body}
        original = cls(source, module, sites, info, pieces)
        if original.render(module) != source:  # a corner of the syntax the cache misses
            original = cls(source, module, sites, info)
        return original

    def apply(self, edits: Sequence[Edit]) -> str | None:
        """The source with ``edits`` applied, or None when one does not fit or it won't compile.

        Edits apply in list order; an edit of an outer node sees its children already edited.
        Edits are untrusted (they may come from a stored run): a bad one gives None.
        """
        tree = self.transform(edits)
        if tree is None:
            return None
        source = self.render(tree)
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


class _Applier(cst.CSTTransformer):
    """One pass that edits the sites named by the edits, visiting only the paths to them."""

    def __init__(self, original: Original, edits: Sequence[Edit]) -> None:
        # Imported here: the operators import this module for Edit and Original.
        from petri.evolve.op_stmt import rewrite_block
        from petri.evolve.operators import BLOCK_APPLIERS, NODE_APPLIERS

        super().__init__()
        self.original = original
        self.node_appliers = NODE_APPLIERS
        self.rewrite_block = rewrite_block
        self.nodes: dict[int, list[tuple[Site, Edit]]] = {}
        self.blocks: dict[int, BlockEdits] = {}
        self.descend: set[int] = set()
        for edit in edits:
            site = _site_of(original, edit)
            info = original.info[site.index]
            if edit.op in NODE_APPLIERS:
                self.nodes.setdefault(id(site.node), []).append((site, edit))
            elif edit.op in BLOCK_APPLIERS and info.block is not None:
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
            node = self.node_appliers[edit.op](self.original, site, node, edit.args)
        block_edits = self.blocks.get(key)
        if block_edits is not None:
            need(isinstance(node, cst.Module | cst.IndentedBlock), "statement edits need a block")
            node = self.rewrite_block(self.original, cast(_Block, node), block_edits)
        return cast(_Node, node)


Operator = Callable[[Original, Site, random.Random], Edit | None]
NodeApplier = Callable[[Original, Site, cst.CSTNode, tuple[JsonScalar, ...]], cst.CSTNode]
BlockEdits = list[tuple[Site, Edit]]


# --- the vocabulary of appliers ------------------------------------------------------------


def need(condition: bool, why: str) -> None:
    """Raise Misfit(why) unless ``condition``."""
    if not condition:
        raise Misfit(why)


def expect(node: cst.CSTNode, kind: type[_Node]) -> _Node:
    """``node`` if it is a ``kind``, else Misfit."""
    need(isinstance(node, kind), f"expected {kind.__name__}, found {type(node).__name__}")
    return cast(_Node, node)


def unpack(args: tuple[JsonScalar, ...], *kinds: type) -> tuple[Any, ...]:
    """``args`` checked against ``kinds`` one by one (a bool is never an int here)."""
    need(len(args) == len(kinds), f"expected {len(kinds)} args, got {len(args)}")
    for arg, kind in zip(args, kinds, strict=True):
        need(isinstance(arg, kind) and not isinstance(arg, bool), f"bad argument {arg!r}")
    return args


def expression(node: cst.CSTNode) -> cst.BaseExpression:
    """``node`` if it is an expression, else Misfit."""
    need(isinstance(node, cst.BaseExpression), f"expected an expression, found {node!r}")
    return cast(cst.BaseExpression, node)


def identifier(text: object) -> str:
    """``text`` if it is a plain Python identifier, else Misfit."""
    ok = isinstance(text, str) and text.isidentifier() and not keyword.iskeyword(text)
    need(ok, f"not an identifier: {text!r}")
    return cast(str, text)


def paren(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` in parentheses."""
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def strip(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` without its parentheses (the caller puts them back where they belong)."""
    return node.with_changes(lpar=(), rpar=()) if node.lpar else node


def fit(node: cst.BaseExpression, required: int) -> cst.BaseExpression:
    """``node``, parenthesized if it binds looser than ``required``."""
    return node if precedence(node) >= required else paren(node)


def replace(
    original: Original, site: Site, current: cst.CSTNode, new: cst.BaseExpression
) -> cst.BaseExpression:
    """``new`` in the place of ``current``: it takes over current's parentheses, or gets its
    own where precedence or a touching identifier character (``SiteInfo``) needs them."""
    old = expression(current)
    if old.lpar:
        return new.with_changes(lpar=[*old.lpar, *new.lpar], rpar=[*new.rpar, *old.rpar])
    info = original.info[site.index]
    if not new.lpar and (info.glued or precedence(new) < info.required):
        return paren(new)
    return new


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
    if not isinstance(edit.args, tuple) or not all(_is_scalar(arg) for arg in edit.args):
        raise Misfit(f"edit args must be a tuple of JSON scalars, got {edit.args!r}")
    return original.sites[index]
