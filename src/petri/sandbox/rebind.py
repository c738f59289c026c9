"""What a repository's editable module reaches: the modules that import it, and the names
elsewhere that hold its objects.

Worked out once, in a repository worker, after pytest has collected the tests with the
original repository imported for real. A candidate is then executed into the editable module;
its *followers* (repository modules that import it, directly or through one another, at module
level) are executed again after it, so a subclass, a re-export or a constant computed at import
sees the candidate; and every other name in the repository that held one of their objects (a
test module's ``from shop.cart import total``, a parametrized value) is bound to the object of
the same name after the candidate ran.

The import graph is read from the sources (``ast``), never by running anything: an import
inside a function is not followed, nor one under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import os
import types

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.harness)
if TYPE_CHECKING:
    from collections.abc import Container, Iterable, Iterator, Sequence

    #: (namespace, key) whose value is bound again to (module name, attribute) per candidate
    Binding = tuple[dict[str, object], str, str, str]

# Values equal by coincidence may be one object (small ints, interned strings, the empty
# tuple): their identity says nothing about where they came from. A module is executed in
# place, so a name holding it needs no rebinding.
_NO_IDENTITY = (int, float, complex, str, bytes, tuple, frozenset, type(None), types.ModuleType)


def read_source(module: types.ModuleType) -> str | None:
    """The source of a module loaded from a ``.py`` file, or None."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return None


def parse(module: types.ModuleType) -> ast.Module | None:
    """The syntax tree of a module loaded from a ``.py`` file, or None."""
    source = read_source(module)
    try:
        return ast.parse(source) if source is not None else None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def imported_modules(
    tree: ast.Module, module: types.ModuleType, loaded: Container[str]
) -> set[str]:
    """The names of the modules ``module`` binds from at import time (``loaded`` tells a
    submodule from an attribute in ``from a import b``)."""
    package = _package_of(module)
    found: set[str] = set()
    for node in _module_level_imports(tree.body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = _absolute(node.module or "", node.level, package)
        if base is None:
            continue
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            found.add(sub if alias.name != "*" and sub in loaded else base)
    return found


def imported_names(
    tree: ast.Module, module: types.ModuleType, sources: Container[str]
) -> Iterator[tuple[str, str, str]]:
    """(name, source module, attribute) for each module-level ``from <source> import
    <attribute> as <name>`` of ``module`` whose source is one of ``sources``; a star import
    gives ``("*", source, "*")``."""
    package = _package_of(module)
    for node in _module_level_imports(tree.body):
        if isinstance(node, ast.ImportFrom):
            base = _absolute(node.module or "", node.level, package)
            if base is not None and base in sources:
                yield from ((alias.asname or alias.name, base, alias.name) for alias in node.names)


def _package_of(module: types.ModuleType) -> str:
    package = getattr(module, "__package__", None)
    if isinstance(package, str):
        return package
    name = module.__name__
    return name if hasattr(module, "__path__") else name.rpartition(".")[0]


def _absolute(name: str, level: int, package: str) -> str | None:
    """The absolute module name of ``from <level dots><name> import ...`` in ``package``."""
    if level == 0:
        return name
    parts = package.split(".") if package else []
    if level - 1 > len(parts) or not package:
        return None  # beyond the top-level package: the import fails anyway
    base = ".".join(parts[: len(parts) - (level - 1)])
    return f"{base}.{name}" if name else base


def _module_level_imports(body: Sequence[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements run when the module is imported: not in functions, nor under
    ``if TYPE_CHECKING:`` (its ``else`` runs)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _module_level_imports(node.orelse)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    yield from _module_level_imports([n for n in inner if isinstance(n, ast.AST)])


def _is_type_checking(test: ast.expr) -> bool:
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", "")
    return name == "TYPE_CHECKING"


def followers(editable: str, graph: dict[str, set[str]]) -> list[str]:
    """The modules of ``graph`` (name -> modules it imports, in import order) that import
    ``editable`` directly or transitively, each after the modules it imports (a cycle is
    broken where it was first entered); ties keep the graph's order."""
    importers: dict[str, set[str]] = {}
    for name, imports in graph.items():
        for target in imports:
            importers.setdefault(target, set()).add(name)
    reached = {editable}
    frontier = [editable]
    while frontier:
        for name in importers.get(frontier.pop(), ()):
            if name not in reached:
                reached.add(name)
                frontier.append(name)
    return import_order(graph, reached, done={editable})


def import_order(
    graph: dict[str, set[str]], among: Container[str], done: Iterable[str] = ()
) -> list[str]:
    """The modules of ``graph`` in ``among`` (not in ``done``), each after the modules it
    imports (a cycle is broken where it was first entered); ties keep the graph's order."""
    position = {name: k for k, name in enumerate(graph)}
    ordered: list[str] = []
    seen = set(done)

    def visit(name: str) -> None:
        seen.add(name)
        for target in sorted(graph[name] - seen, key=position.__getitem__):
            if target in among and target not in seen:
                visit(target)
        ordered.append(name)

    for name in graph:
        if name in among and name not in seen:
            visit(name)
    return ordered


def owned_objects(
    owners: list[types.ModuleType], others: Iterable[dict[str, object]]
) -> dict[int, tuple[object, list[tuple[str, str]]]]:
    """id -> (object, its places (module, attribute)) for the top-level objects of ``owners``
    (the editable module and its followers) that a candidate replaces. An object one of
    ``others`` (namespaces of modules that do not follow the editable one) also holds came
    from there, unless an owner defined it: ``from shop.config import SETTINGS`` in the
    editable module does not make SETTINGS the candidate's."""
    names = {module.__name__ for module in owners}
    found: dict[int, tuple[object, list[tuple[str, str]]]] = {}
    for module in owners:
        for attr, value in list(vars(module).items()):
            if not attr.startswith("__") and not isinstance(value, _NO_IDENTITY):
                found.setdefault(id(value), (value, []))[1].append((module.__name__, attr))
    for namespace in others:
        for value in list(namespace.values()):
            entry = found.get(id(value))
            if entry is not None and not _defined_in(entry[0], names):
                del found[id(value)]
    return found


def _defined_in(value: object, modules: set[str]) -> bool:
    """A class or function (or a wrapper of one) defined in one of ``modules``."""
    try:
        made = isinstance(value, type | types.FunctionType) or hasattr(value, "__wrapped__")
    except Exception:  # the repository's object: its __getattr__ may do anything
        return False
    return made and _text(value, "__module__") in modules


def foreign(value: object, modules: set[str]) -> bool:
    """A function or class (any callable naming its module) from outside ``modules``."""
    where = _text(value, "__module__")
    return callable(value) and bool(where) and where not in modules


def bindings(
    namespaces: Iterable[dict[str, object]],
    owned: dict[int, tuple[object, list[tuple[str, str]]]],
) -> list[Binding]:
    """Every (namespace, key) holding an owned object, with the place to take it from."""
    table: list[Binding] = []
    for namespace in namespaces:
        for key, value in list(namespace.items()):
            entry = owned.get(id(value))
            if entry is not None:
                module, attr = _place(entry[0], key, entry[1])
                table.append((namespace, key, module, attr))
    return table


def _place(value: object, key: str, places: list[tuple[str, str]]) -> tuple[str, str]:
    """Where a name holding ``value`` takes it from: the module that defined it first, and
    there the same name (an alias may be rebound alone), else the object's own name."""
    defining = _text(value, "__module__")
    ranked = sorted(places, key=lambda place: place[0] != defining)
    for wanted in (key, _text(value, "__name__")):
        for place in ranked:
            if place[1] == wanted:
                return place
    return ranked[0]


def _text(value: object, attr: str) -> str:
    """A str attribute of an object the repository made, or "" (its getattr may do anything)."""
    try:
        found = getattr(value, attr, "")
    except Exception:
        return ""
    return found if isinstance(found, str) else ""


def inside(filename: object, root: str) -> bool:
    return isinstance(filename, str) and filename.startswith(root.rstrip("/") + os.sep)
