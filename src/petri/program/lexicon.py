"""What a whole program says about the words after a dot and before ``=`` in a call, the
functions it calls and the indexes it uses.

Operators that change an attribute, add a method call, rename a keyword argument or call
another function pick the new word from the program itself (``node.value`` elsewhere suggests
``node.value`` here), plus, for methods and builtins, the usual confusions (``append`` for
``extend``, ``min`` for ``max``); the operator that adds an index picks one the program uses
(``row[2]``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst as cst

from petri.program.arity import Span, of_definition

#: Methods of the standard types that are easily taken for one another.
CONFUSED_METHODS: tuple[tuple[str, ...], ...] = (
    ("append", "extend", "add", "insert"),
    ("add", "update", "discard", "remove"),
    ("remove", "discard", "pop"),
    ("startswith", "endswith"),
    ("find", "index", "rfind", "rindex", "count"),
    ("lower", "upper", "title", "capitalize"),
    ("strip", "lstrip", "rstrip"),
    ("split", "rsplit", "splitlines"),
    ("keys", "values", "items"),
    ("get", "pop", "setdefault"),
    ("sort", "reverse"),
    ("pop", "popleft"),
    ("append", "appendleft"),
)
#: Builtin functions that are easily taken for one another.
CONFUSED_BUILTINS: tuple[tuple[str, ...], ...] = (
    ("min", "max"),
    ("any", "all"),
    ("sorted", "reversed"),
    ("int", "float", "round", "str"),
    ("len", "sum"),
    ("list", "tuple", "set", "sorted"),
    ("map", "filter"),
    ("range", "enumerate"),
)
#: The largest index literal kept (a bigger number is a key or a constant, not a position).
MAX_INDEX = 16
#: Methods with no arguments that a value often lacks: a copy, a dict's items, a cleaned line.
COMMON_BARE_METHODS = ("copy", "items", "lower", "strip")


@dataclass(frozen=True)
class Lexicon:
    """The attribute, method and keyword names a program uses, each sorted."""

    attributes: tuple[str, ...] = ()  # read after a dot and not called: ``node.value``
    methods: tuple[str, ...] = ()  # called after a dot: ``xs.append(x)``
    bare_methods: tuple[str, ...] = ()  # called after a dot with no arguments: ``s.strip()``
    keywords: tuple[str, ...] = ()  # keyword arguments of calls and parameters of functions
    indexes: tuple[int, ...] = ()  # integer literals used as an index: ``row[2]``, ``xs[-1]``
    functions: tuple[str, ...] = ()  # called by a bare name: ``len(xs)``, ``helper(x)``
    #: (name, least, most) positional arguments of each function defined once, not in a class
    #: nor decorated
    spans: tuple[tuple[str, int, int | None], ...] = ()
    own_methods: tuple[str, ...] = ()  # defined in a class: ``def add(self, x)``
    #: (name, required positional parameters) of the functions ``spans`` holds
    parameters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def span(self, name: str) -> Span | None:
        """The positional arguments the program's function ``name`` takes, if it defines one."""
        return next(((least, most) for n, least, most in self.spans if n == name), None)

    def parameters_of(self, name: str) -> tuple[str, ...] | None:
        """The required positional parameters of the program's function ``name``, if it
        defines one."""
        return next((params for n, params in self.parameters if n == name), None)

    def methods_like(self, name: str) -> tuple[str, ...]:
        """Other method names for ``name``: the program's own, then the usual confusions."""
        confused = [m for group in CONFUSED_METHODS if name in group for m in group]
        return tuple(m for m in dict.fromkeys([*self.methods, *confused]) if m != name)

    def functions_like(self, name: str) -> tuple[str, ...]:
        """Other function names for ``name``: the program's own calls, then the usual
        confusions of builtins."""
        confused = [f for group in CONFUSED_BUILTINS if name in group for f in group]
        return tuple(f for f in dict.fromkeys([*self.functions, *confused]) if f != name)


def read_lexicon(module: cst.Module) -> Lexicon:
    """The Lexicon of ``module``."""
    visitor = _Collect()
    module.visit(visitor)
    called = set(visitor.methods)
    spans = tuple(
        (name, *spans[0])
        for name, spans in sorted(visitor.spans.items())
        if len(spans) == 1 and name not in visitor.opaque  # defined twice: which one?
    )
    return Lexicon(
        attributes=tuple(sorted(visitor.attributes - called)),
        methods=tuple(sorted(called)),
        bare_methods=tuple(sorted(visitor.bare_methods)),
        keywords=tuple(sorted(visitor.keywords)),
        indexes=tuple(sorted(visitor.indexes)),
        functions=tuple(sorted(visitor.functions)),
        spans=spans,
        own_methods=tuple(sorted(visitor.own_methods)),
        parameters=tuple((name, visitor.parameters[name]) for name, _, _ in spans),
    )


class _Collect(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.attributes: set[str] = set()
        self.methods: set[str] = set()
        self.bare_methods: set[str] = set()
        self.keywords: set[str] = set()
        self.indexes: set[int] = set()
        self.functions: set[str] = set()
        self.spans: dict[str, list[Span]] = {}
        self.parameters: dict[str, tuple[str, ...]] = {}
        self.own_methods: set[str] = set()
        self.opaque: set[str] = set()  # classes and decorated functions: who knows their span
        self.enclosing: list[cst.CSTNode] = []  # the defs and classes around the node

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, cst.FunctionDef | cst.ClassDef):
            self.enclosing.pop()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Import | cst.ImportFrom):
            return False  # ``import os.path`` names a module, not an attribute
        if isinstance(node, cst.FunctionDef | cst.ClassDef):
            self._note_definition(node)
            self.enclosing.append(node)
        if isinstance(node, cst.Attribute):
            self.attributes.add(node.attr.value)
        elif isinstance(node, cst.Call):
            self._note_call(node)
        elif isinstance(node, cst.Param) and node.name.value not in ("self", "cls"):
            self.keywords.add(node.name.value)
        elif isinstance(node, cst.Index):
            self._note_index(node.value)
        return True

    def _note_definition(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        name = node.name.value
        if isinstance(node, cst.ClassDef) or node.decorators:
            self.opaque.add(name)
        if isinstance(node, cst.ClassDef):
            return
        if self.enclosing and isinstance(self.enclosing[-1], cst.ClassDef):
            self.own_methods.add(name)
        else:
            self.spans.setdefault(name, []).append(of_definition(node))
            params = (*node.params.posonly_params, *node.params.params)
            self.parameters[name] = tuple(p.name.value for p in params if p.default is None)

    def _note_index(self, value: cst.BaseExpression) -> None:
        sign = 1
        if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
            sign, value = -1, value.expression
        if isinstance(value, cst.Integer) and not value.lpar:
            number = ast.literal_eval(value.value)
            if isinstance(number, int) and abs(number) <= MAX_INDEX:
                self.indexes.add(sign * number)

    def _note_call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            self.functions.add(node.func.value)
        elif isinstance(node.func, cst.Attribute):
            self.methods.add(node.func.attr.value)
            if not node.args:
                self.bare_methods.add(node.func.attr.value)
        self.keywords.update(arg.keyword.value for arg in node.args if arg.keyword is not None)
