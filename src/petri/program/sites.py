"""Edit sites: the places of the original program that an operator may change.

Sites are numbered in pre-order over the original tree; an edit names its site by that number.
``Site.kind`` is one of:

- ``stmt``: a statement of the module or of an indented block, except ``def``, ``class``
  (their bodies' statements are sites; moving whole definitions around is noise) and
  docstrings;
- ``cond``: an expression read as a truth value: the test of ``if``/``elif``/``while``/
  ``assert``/a conditional expression/a comprehension ``if``, an operand of ``and``/``or``/``not``;
- ``bound``: an index or a bound: a subscript index, a slice bound, a positional ``range()``
  argument, an operand of an ordering or (in)equality comparison;
- ``callee``: the function expression of a call;
- ``expr``: any other expression that is read.

Expression sites are nodes of ``EXPRESSION_TYPES`` only (the types some operator edits), never
assignment targets; annotations, decorators, imports, patterns and the inside of strings hold
no sites. With ``# EVOLVE-BLOCK-START`` / ``# EVOLVE-BLOCK-END`` comment lines, only nodes
between them are sites.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import (
    CodeRange,
    ExpressionContext,
    ExpressionContextProvider,
    MetadataWrapper,
    PositionProvider,
)

from petri.program.bodies import definition_or_docstring, opener
from petri.program.precedence import required_precedence

STMT, COND, BOUND, CALLEE, EXPR = "stmt", "cond", "bound", "callee", "expr"
EXPRESSION_KINDS = frozenset({COND, BOUND, CALLEE, EXPR})
EXPRESSION_TYPES: tuple[type[cst.BaseExpression], ...] = (
    cst.Name,
    cst.Attribute,
    cst.Subscript,
    cst.Call,
    cst.BinaryOperation,
    cst.UnaryOperation,
    cst.BooleanOperation,
    cst.Comparison,
    cst.Integer,
    cst.Float,
    cst.List,
    cst.Tuple,
    cst.Set,
)
_ORDERING = (
    cst.LessThan,
    cst.LessThanEqual,
    cst.GreaterThan,
    cst.GreaterThanEqual,
    cst.Equal,
    cst.NotEqual,
)
_TESTED = (cst.If, cst.While, cst.Assert, cst.IfExp, cst.CompIf)
_OPAQUE = (
    cst.Annotation,
    cst.Decorator,
    cst.Nonlocal,
    cst.FormattedString,
    cst.ConcatenatedString,
    cst.TypeParameters,
    cst.MatchPattern,
)
_NEW_SCOPE: dict[type[cst.CSTNode], str] = {
    cst.FunctionDef: "function",
    cst.ClassDef: "class",
    cst.Lambda: "lambda",
    cst.ListComp: "comprehension",
    cst.SetComp: "comprehension",
    cst.DictComp: "comprehension",
    cst.GeneratorExp: "comprehension",
}
_MARKER = re.compile(r"^\s*#\s*EVOLVE-BLOCK-(START|END)\b")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Site:
    """A node of the original program that operators may edit (see the module docstring)."""

    index: int
    kind: str
    line: int
    node: cst.CSTNode
    names: tuple[str, ...]  # every name in scope
    values: tuple[str, ...] = ()  # the names in scope that hold data: no imports, defs, classes
    #: (name, "set" | "list" | "dict" | "tuple") from assignments
    kinds: tuple[tuple[str, str], ...] = ()
    members: tuple[tuple[str, str], ...] = ()  # (container, name) of every ``name in container``
    busy: frozenset[str] = frozenset()  # names some method is called on: ``xs.pop()``
    #: (name, other) for names bound by one unpacking: ``first, last = ...``, ``for i, x in``
    pairs: tuple[tuple[str, str], ...] = ()
    #: data names the enclosing function binds (a parameter, a loop variable, an assignment)
    #: and never reads: where a name read but bound nowhere most often meant to go
    unread: tuple[str, ...] = ()

    def of_kind(self, kind: str) -> tuple[str, ...]:
        """The names in scope last assigned a container of ``kind`` (``x = set()``, ``[]``)."""
        return tuple(name for name, known in self.kinds if known == kind)

    def holds_container(self, node: cst.CSTNode) -> bool:
        """``node`` is plainly a list, set, dict or tuple here: a name last assigned one, a
        display or comprehension, or an operation with one (``out + [x]``, ``2 * xs``), not a
        ``%`` format. What only numbers take (``abs``, ``max(0, _)``, ``float``) never applies
        to it."""
        if isinstance(node, cst.Name):
            return any(name == node.value for name, _ in self.kinds)
        if isinstance(node, cst.BinaryOperation) and not isinstance(node.operator, cst.Modulo):
            return self.holds_container(node.left) or self.holds_container(node.right)
        return isinstance(node, cst.BaseExpression) and container_kind(node) is not None


@dataclass(frozen=True)
class SiteInfo:
    """Where a site sits in the tree: what proposing and applying an edit there need.

    ``ancestors`` are the ``id()`` of the original nodes enclosing the site, outermost first;
    ``block``/``position`` locate a ``stmt`` site in its Module or IndentedBlock; ``required``
    is the lowest precedence an unparenthesized replacement may have here; ``glued`` says the
    node touches an identifier character (``return[]``), so a replacement needs parentheses;
    ``managed`` says it is the context manager of a ``with``, where ``(x,)`` would read as a
    parenthesized list of managers, not as a tuple; ``discarded`` says it is the value of an
    expression statement (``xs.sort()``, ``total``), computed and thrown away.
    """

    ancestors: tuple[int, ...]
    block: cst.Module | cst.IndentedBlock | None
    position: int
    required: int
    glued: bool
    in_function: bool
    managed: bool
    discarded: bool = False
    opens: tuple[str, ...] = ()
    #: for the statement that opens a body: the literals its function returns (``return 0``;
    #: and plain names: ``op_guard`` keeps the literals)
    returned: tuple[str, ...] = ()


def find_sites(module: cst.Module, source: str) -> tuple[tuple[Site, ...], tuple[SiteInfo, ...]]:
    """Every edit site of ``module`` (parsed from ``source``) in pre-order, with its SiteInfo."""
    walk = _Walk(module, source)
    walk.walk(module)
    members = tuple(sorted(walk.members))
    busy = frozenset(walk.busy)
    pairs = tuple(sorted(walk.pairs))
    sites, infos = [], []
    unread_of: dict[int, tuple[str, ...]] = {}
    for index, (kind, node, scope, info) in enumerate(walk.found):
        line = walk.positions[node].start.line
        names, values, kinds = scope.visible()
        unread = unread_of.get(id(scope))
        if unread is None:
            unread = unread_of[id(scope)] = tuple(n for n in scope.unread() if n in values)
        sites.append(
            Site(index, kind, line, node, names, values, kinds, members, busy, pairs, unread)
        )
        infos.append(info)
    return tuple(sites), tuple(infos)


def evolve_regions(lines: Sequence[str]) -> list[tuple[int, int]] | None:
    """Line pairs (start marker, end marker) of the EVOLVE blocks; None when there are none."""
    regions: list[tuple[int, int]] = []
    start: int | None = None
    for number, text in enumerate(lines, 1):
        match = _MARKER.match(text)
        if match is None:
            continue
        if match.group(1) == "START" and start is None:
            start = number
        elif match.group(1) == "END" and start is not None:
            regions.append((start, number))
            start = None
    if start is not None:
        regions.append((start, len(lines) + 1))
    return regions or None


def expression_role(parent: cst.CSTNode, child: cst.CSTNode, grand: cst.CSTNode | None) -> str:
    """The kind of an expression site given its parent and grandparent."""
    if _truth_tested(parent, child):
        return COND
    if isinstance(parent, cst.Call) and child is parent.func:
        return CALLEE
    return BOUND if _bound(parent, child, grand) else EXPR


def _truth_tested(parent: cst.CSTNode, child: cst.CSTNode) -> bool:
    if isinstance(parent, _TESTED):
        return child is parent.test
    if isinstance(parent, cst.UnaryOperation):
        return isinstance(parent.operator, cst.Not)
    return isinstance(parent, cst.BooleanOperation)


def _bound(parent: cst.CSTNode, child: cst.CSTNode, grand: cst.CSTNode | None) -> bool:
    if isinstance(parent, cst.Index):
        return True
    if isinstance(parent, cst.Slice):
        return child is not parent.step
    if isinstance(parent, cst.Arg):
        return _is_range_argument(parent, grand)
    if isinstance(parent, cst.Comparison):
        return child is parent.left and isinstance(parent.comparisons[0].operator, _ORDERING)
    return isinstance(parent, cst.ComparisonTarget) and isinstance(parent.operator, _ORDERING)


def _is_range_argument(arg: cst.Arg, call: cst.CSTNode | None) -> bool:
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Name)
        and call.func.value == "range"
        and arg.keyword is None
        and not arg.star
    )


@dataclass(eq=False)
class _Scope:
    """Names bound in one scope; class scopes are visible only to their own body."""

    kind: str
    parent: _Scope | None
    names: set[str] = field(default_factory=set)
    defined: set[str] = field(default_factory=set)  # bound by import, def or class
    kinds: dict[str, str] = field(default_factory=dict)  # name -> container kind
    reads: set[str] = field(default_factory=set)  # names read here or in a scope inside
    _visible: _Visible | None = None

    def in_function(self) -> bool:
        scope: _Scope | None = self
        while scope is not None and scope.kind in ("lambda", "comprehension"):
            scope = scope.parent
        return scope is not None and scope.kind == "function"

    def unread(self) -> tuple[str, ...]:
        """The data names the innermost enclosing function binds and never reads (an
        augmented assignment, ``count += 1``, is not a read: its value goes nowhere)."""
        scope: _Scope | None = self
        while scope is not None and scope.kind in ("lambda", "comprehension"):
            scope = scope.parent
        if scope is None or scope.kind != "function":
            return ()
        return tuple(sorted(scope.names - scope.defined - scope.reads))

    def visible(self) -> _Visible:
        """(names, data names, container kinds) seen from here; the innermost binding wins."""
        if self._visible is None:
            chain: list[_Scope] = [self]
            scope = self.parent
            while scope is not None:
                if scope.kind != "class":
                    chain.append(scope)
                scope = scope.parent
            names: set[str] = set()
            values: set[str] = set()
            kinds: dict[str, str] = {}
            for scope in reversed(chain):  # outermost first: inner bindings override
                names |= scope.names
                values = (values - scope.names) | (scope.names - scope.defined)
                kinds = {n: k for n, k in kinds.items() if n not in scope.names}
                kinds.update(scope.kinds)
            self._visible = (
                tuple(sorted(names)),
                tuple(sorted(values)),
                tuple(sorted((n, k) for n, k in kinds.items() if n in values)),
            )
        return self._visible


_Visible = tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]


def _receiver(call: cst.Call) -> str | None:
    """``xs`` of ``xs.pop()``: the plain name a method is called on, if any."""
    func = call.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return func.value.value
    return None


def container_kind(value: cst.BaseExpression) -> str | None:
    """``"set"``, ``"list"``, ``"dict"`` or ``"tuple"`` when ``value`` plainly builds one, else
    None."""
    if isinstance(value, cst.Set | cst.SetComp):
        return "set"
    if isinstance(value, cst.List | cst.ListComp):
        return "list"
    if isinstance(value, cst.Dict | cst.DictComp):
        return "dict"
    if isinstance(value, cst.Tuple):
        return "tuple"
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
        builder = value.func.value
        kinds = {"set": "set", "list": "list", "sorted": "list", "dict": "dict", "tuple": "tuple"}
        return kinds.get(builder)
    return None


class _Walk:
    """One pre-order pass over the tree: finds the sites and the names each scope binds."""

    def __init__(self, module: cst.Module, source: str) -> None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.positions = wrapper.resolve(PositionProvider)
        self.contexts = wrapper.resolve(ExpressionContextProvider)
        self.lines = _LINE_BREAK.split(source)
        self.regions = evolve_regions(self.lines)
        self.module_scope = self.scope = _Scope("module", None)
        self.stack: list[cst.CSTNode] = []
        self.statement_positions: dict[int, int] = {}
        #: the first statement of a function's body -> its required parameters, and the
        #: literals the function returns
        self.openers: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.found: list[tuple[str, cst.CSTNode, _Scope, SiteInfo]] = []
        self.members: set[tuple[str, str]] = set()
        self.busy: set[str] = set()
        self.pairs: set[tuple[str, str]] = set()

    def walk(self, node: cst.CSTNode) -> None:
        self._classify(node)
        if isinstance(node, cst.Comparison):
            self._note_members(node)
        elif isinstance(node, cst.Tuple | cst.List):
            self._note_pairs(node)
        elif isinstance(node, cst.Call) and (receiver := _receiver(node)) is not None:
            self.busy.add(receiver)
        if isinstance(node, _OPAQUE):
            return
        if self._bind(node):
            return
        outer = self.scope
        if type(node) in _NEW_SCOPE:
            self.scope = _Scope(_NEW_SCOPE[type(node)], outer)
        self.stack.append(node)
        for child in _children(node):
            self.walk(child)
        self.stack.pop()
        self.scope = outer

    def _bind(self, node: cst.CSTNode) -> bool:
        """Record the names ``node`` binds; True when nothing below it matters."""
        if isinstance(node, cst.Name):
            self._note_name(node)
            return True
        if isinstance(node, cst.Import | cst.ImportFrom):
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    name = (alias.evaluated_alias or alias.evaluated_name).split(".")[0]
                    self.scope.names.add(name)
                    self.scope.defined.add(name)
            return True
        if isinstance(node, cst.Global):
            self.module_scope.names.update(item.name.value for item in node.names)
            return True
        if isinstance(node, cst.FunctionDef | cst.ClassDef):
            # In the enclosing scope: walk() opens the new one.
            self.scope.names.add(node.name.value)
            self.scope.defined.add(node.name.value)
        if isinstance(node, cst.FunctionDef):
            self._note_opener(node)
        elif isinstance(node, cst.Assign | cst.AnnAssign):
            self._note_kind(node)
        elif isinstance(node, cst.Param):
            self.scope.names.add(node.name.value)
        elif isinstance(node, cst.Module | cst.IndentedBlock):
            self.statement_positions.update((id(s), i) for i, s in enumerate(node.body))
        return False

    def _note_opener(self, node: cst.FunctionDef) -> None:
        """Remember the required parameters and returned literals for the statement that
        opens ``node``'s body."""
        found = opener(node)
        if found is not None:
            statement, required, literals = found
            self.openers[id(statement)] = required, literals

    def _note_name(self, node: cst.Name) -> None:
        """A name stored binds it in this scope; one read is read here and in every scope
        around."""
        context = self.contexts.get(node)
        if context == ExpressionContext.STORE:
            self.scope.names.add(node.value)
        elif context == ExpressionContext.LOAD:
            scope: _Scope | None = self.scope
            while scope is not None:
                scope.reads.add(node.value)
                scope = scope.parent

    def _note_members(self, node: cst.Comparison) -> None:
        """``x in seen`` says what ``seen`` holds: the names to ``add`` or ``append`` to it."""
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            membership = isinstance(target.operator, cst.In | cst.NotIn)
            if membership and isinstance(left, cst.Name) and isinstance(right, cst.Name):
                self.members.add((right.value, left.value))
            left = right

    def _note_pairs(self, node: cst.Tuple | cst.List) -> None:
        """Names one unpacking binds side by side: the ones a slip confuses (``first``/``last``)."""
        names = [e.value.value for e in node.elements if isinstance(e.value, cst.Name)]
        if len(names) < 2 or any(self.contexts.get(e.value) != ExpressionContext.STORE
                                 for e in node.elements):  # fmt: skip
            return
        self.pairs.update((a, b) for a in names for b in names if a != b)

    def _note_kind(self, node: cst.Assign | cst.AnnAssign) -> None:
        """Remember which names an assignment makes a set, list or dict (the last one wins)."""
        if node.value is None:
            return
        kind = container_kind(node.value)
        targets = node.targets if isinstance(node, cst.Assign) else [node]
        for target in targets:
            if not isinstance(target.target, cst.Name):
                continue
            if kind is None:
                self.scope.kinds.pop(target.target.value, None)
            else:
                self.scope.kinds[target.target.value] = kind

    def _classify(self, node: cst.CSTNode) -> None:
        parent = self.stack[-1] if self.stack else None
        if isinstance(parent, cst.Module | cst.IndentedBlock):
            if isinstance(node, cst.BaseStatement) and not definition_or_docstring(node):
                self._add(node, STMT, parent, 0)
        elif parent is not None and isinstance(node, EXPRESSION_TYPES) and self._is_read(node):
            grand = self.stack[-2] if len(self.stack) > 1 else None
            kind = expression_role(parent, node, grand)
            self._add(node, kind, None, required_precedence(parent, node))

    def _is_read(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name | cst.Attribute | cst.Subscript | cst.List | cst.Tuple):
            return self.contexts.get(node) == ExpressionContext.LOAD
        return True

    def _add(
        self,
        node: cst.CSTNode,
        kind: str,
        block: cst.Module | cst.IndentedBlock | None,
        required: int,
    ) -> None:
        where = self.positions[node]
        if self.regions is not None and not any(
            start < where.start.line and where.end.line < end for start, end in self.regions
        ):
            return
        info = SiteInfo(
            ancestors=tuple(id(n) for n in self.stack),
            block=block,
            position=self.statement_positions.get(id(node), -1),
            required=required,
            glued=kind != STMT and self._glued(node, where),
            in_function=self.scope.in_function(),
            managed=bool(self.stack) and isinstance(self.stack[-1], cst.WithItem),
            discarded=bool(self.stack) and isinstance(self.stack[-1], cst.Expr),
            opens=self.openers.get(id(node), ((), ()))[0],
            returned=self.openers.get(id(node), ((), ()))[1],
        )
        self.found.append((kind, node, self.scope, info))

    def _glued(self, node: cst.CSTNode, where: CodeRange) -> bool:
        if getattr(node, "lpar", ()):
            return False  # a replacement takes over the parentheses
        first, last = self.lines[where.start.line - 1], self.lines[where.end.line - 1]
        column = where.start.column
        before = first[column - 1] if column > 0 else " "
        after = last[where.end.column] if where.end.column < len(last) else " "
        return any(char.isalnum() or char == "_" for char in (before, after))


def _children(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    """The children worth walking: no names of definitions, attributes or keywords."""
    if isinstance(node, cst.Attribute):
        return (node.value,)
    if isinstance(node, cst.Arg):
        return (node.value,)
    if isinstance(node, cst.Param):
        return (node.default,) if node.default is not None else ()
    if isinstance(node, cst.FunctionDef):
        return (node.params, node.body)
    if isinstance(node, cst.ClassDef):
        return (*node.bases, *node.keywords, node.body)
    if isinstance(node, cst.MatchCase):
        return (node.body,) if node.guard is None else (node.guard, node.body)
    if isinstance(node, cst.Module | cst.IndentedBlock):
        return node.body
    return node.children
