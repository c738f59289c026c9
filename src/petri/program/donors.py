"""Donor programs: other solutions of the same task, as ingredients for repairs.

A user who holds working solutions of the task a program attempts (a course's accepted
submissions, an earlier version, another implementation) can give them to a run; their
functions then lend statements and bodies to the program's functions of the same name and
arity (``petri.program.op_donor``). A donor's code is adapted before it is offered: its
parameters take the program's parameter names, the name it returns takes the name the
program returns, and its other local names take the program's local names bound the same
way (a list, a counter, a loop variable ...), in the order they are first bound. Adapted
code is rendered by ``ast.unparse``: a donor's formatting is not the program's anyway.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from petri.errors import ConfigError

#: What a run reads of a donor folder: more files or bigger ones are refused, not truncated.
#: The sources are recorded on the run's first event, which every store must carry whole.
MAX_DONORS = 200
MAX_DONOR_BYTES = 64_000
MAX_DONORS_BYTES = 512_000


@dataclass(frozen=True)
class Ingredient:
    """One donor function adapted to one function of the program."""

    body: str  # the whole body, parameters renamed only (its locals are its own)
    statements: tuple[str, ...]  # every statement at any depth, with the names mapped


@dataclass(frozen=True)
class Donors:
    """The ingredients offered to each function of a program, by function name; the ids of
    the program's top-level ``def`` nodes (libcst) and of their bodies, to find a site's."""

    by_function: Mapping[str, tuple[Ingredient, ...]] = field(default_factory=dict)
    defs: Mapping[int, str] = field(default_factory=dict)
    bodies: Mapping[int, str] = field(default_factory=dict)

    def function_of(self, ancestors: Sequence[int]) -> str | None:
        """The name of the top-level function enclosing a site (by its ancestors' ids)."""
        return next((self.defs[a] for a in ancestors if a in self.defs), None)

    def __bool__(self) -> bool:
        return bool(self.by_function)


def read_donors(module: cst.Module, program: str, sources: Iterable[str]) -> Donors:
    """The ingredients ``sources`` (donor programs) offer the program ``module`` (parsed from
    ``program``). Donors that do not parse, and functions of no matching name and arity,
    offer nothing."""
    defs = [node for node in module.body if isinstance(node, cst.FunctionDef)]
    names = {id(node): node.name.value for node in defs}
    bodies = {id(node.body): node.name.value for node in defs}
    sources = list(sources)
    try:
        targets = _functions(ast.parse(program)) if sources else {}
    except (SyntaxError, ValueError):
        targets = {}
    found: dict[str, list[Ingredient]] = {}
    for source in sources:
        try:
            donor = _functions(ast.parse(source))
        except (SyntaxError, ValueError, RecursionError):
            continue
        for name, function in donor.items():
            target = targets.get(name)
            if target is not None and len(target.params) == len(function.params):
                ingredient = _adapt(function, target)
                if ingredient.statements and ingredient not in found.get(name, ()):
                    found.setdefault(name, []).append(ingredient)
    return Donors({name: tuple(items) for name, items in found.items()}, names, bodies)


def read_donor_folder(folder: Path) -> list[str]:
    """The sources of the ``.py`` files of ``folder`` (sorted by name); ConfigError when it is
    missing, empty, too big or holds no file that parses."""
    if not folder.is_dir():
        raise ConfigError(f"donor folder {folder} does not exist; pass a folder of .py files")
    files = sorted(folder.glob("*.py"))
    if len(files) > MAX_DONORS:
        raise ConfigError(
            f"donor folder {folder} holds {len(files)} .py files; keep at most {MAX_DONORS}"
        )
    sources: list[str] = []
    for path in files:
        data = path.read_bytes()
        if len(data) > MAX_DONOR_BYTES:
            raise ConfigError(
                f"donor {path} is {len(data):,} bytes; donors are small solutions of the task "
                f"(at most {MAX_DONOR_BYTES:,} bytes)"
            )
        try:
            source = data.decode("utf-8")
            ast.parse(source)
        except (UnicodeDecodeError, SyntaxError, ValueError):
            continue  # a broken donor offers nothing; the others still do
        sources.append(source)
    if not sources:
        raise ConfigError(
            f"donor folder {folder} holds no Python file that parses; add solutions of the task"
        )
    total = sum(len(source.encode()) for source in sources)
    if total > MAX_DONORS_BYTES:
        raise ConfigError(
            f"donor folder {folder} holds {total:,} bytes of Python; keep at most "
            f"{MAX_DONORS_BYTES:,} (donors are recorded with the run)"
        )
    return sources


# --- reading functions -------------------------------------------------------------------------


@dataclass
class _Function:
    node: ast.FunctionDef
    params: tuple[str, ...]
    returned: str | None  # the one local name every ``return NAME`` returns, if any
    bound: dict[str, str]  # local name -> how it is first bound, in first-binding order


def _functions(tree: ast.Module) -> dict[str, _Function]:
    found: dict[str, _Function] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name not in found:
            args = node.args
            params = tuple(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
            bound = _Bindings(set(params))
            for statement in node.body:
                bound.visit(statement)
            found[node.name] = _Function(node, params, _returned(node, bound.kinds), bound.kinds)
    return found


class _Bindings(ast.NodeVisitor):
    """Local names in the order they are first bound, each with the kind of that binding."""

    def __init__(self, params: set[str]) -> None:
        self.params = params
        self.kinds: dict[str, str] = {}

    def _bind(self, target: ast.AST, kind: str) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and node.id not in self.params:
                self.kinds.setdefault(node.id, kind)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, _kind(node.value))
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._bind(node.target, _kind(node.value))
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self._bind(node.target, "loop")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.kinds.setdefault(node.name, "def")  # a helper's own names stay its own

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return None


def _kind(value: ast.expr) -> str:
    """How a value binds a name: a container's type, a number, a string, a call's name ..."""
    if isinstance(value, ast.List | ast.ListComp):
        return "list"
    if isinstance(value, ast.Tuple):
        return "tuple"
    if isinstance(value, ast.Dict | ast.DictComp):
        return "dict"
    if isinstance(value, ast.Set | ast.SetComp):
        return "set"
    if isinstance(value, ast.Constant):
        return type(value.value).__name__
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return {"list": "list", "tuple": "tuple", "dict": "dict", "set": "set"}.get(
            value.func.id, "call"
        )
    return "value"


def _returned(node: ast.FunctionDef, bound: Mapping[str, str]) -> str | None:
    names = {
        r.value.id
        for r in ast.walk(node)
        if isinstance(r, ast.Return) and isinstance(r.value, ast.Name)
    }
    (name,) = names if len(names) == 1 else (None,)
    return name if name in bound else None


# --- adapting a donor --------------------------------------------------------------------------


def _adapt(donor: _Function, target: _Function) -> Ingredient:
    params = dict(zip(donor.params, target.params, strict=True))
    names = {**params, **_local_map(donor, target)}
    body = [_renamed(statement, params) for statement in donor.node.body]
    mapped = [_renamed(statement, names) for statement in donor.node.body]
    statements = [
        ast.unparse(node)
        for statement in mapped
        for node in ast.walk(statement)
        if isinstance(node, ast.stmt) and not _docstring(node)
    ]
    return Ingredient(
        "\n".join(ast.unparse(s) for s in body if not _docstring(s)),
        tuple(dict.fromkeys(statements)),
    )


def _local_map(donor: _Function, target: _Function) -> dict[str, str]:
    """Donor local -> program local: the returned names, then bound the same way, in order."""
    mapping: dict[str, str] = {}
    if donor.returned and target.returned:
        mapping[donor.returned] = target.returned
    free = [name for name in target.bound if name not in mapping.values()]
    for name, kind in donor.bound.items():
        if name in mapping or kind == "def":
            continue
        match = next((other for other in free if target.bound[other] == kind), None)
        if match is not None:
            mapping[name] = match
            free.remove(match)
    return mapping


def _renamed(statement: ast.stmt, names: Mapping[str, str]) -> ast.stmt:
    copy = deepcopy(statement)  # the donor's own tree stays intact
    for node in ast.walk(copy):
        if isinstance(node, ast.Name) and node.id in names:
            node.id = names[node.id]
        elif isinstance(node, ast.arg) and node.arg in names:
            node.arg = names[node.arg]
    return copy


def _docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
