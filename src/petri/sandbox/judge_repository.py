"""The pytest judge for a repository with one editable file, as the jailed worker runs it.

The file layout's placeholders cannot stand in for a module of a package: other modules
subclass its classes, re-export its functions and compute constants from it while they are
imported. Here the worker imports the original repository for real while pytest collects the
tests, then works out once (``sandbox.rebind``) which repository modules follow the editable
one and which names elsewhere hold their objects. Each candidate, in its forked child, is
compiled as the editable file's real path (tracebacks, ``__file__``, data files next to it
and coverage all name the repository's file), executed into the editable module's emptied
namespace; the followers' code, compiled once, runs again into their own namespaces, and the
names that held the original's objects are bound to the candidate's.

A module's import may also change another module's state that the followers do not rebuild:
a registry in a module it imports, that refuses a name twice. When the candidate's execution
raises, the child therefore imports the whole repository again, every module after the ones
it imports and the candidate in place of the editable module, and binds every name that held
an object of the repository to its new one. The candidate's own error stands only if it
raises there too.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

import pytest

from petri.sandbox import rebind
from petri.sandbox.judge_pytest import PYTEST_ARGS, PytestJudge, _resolve, own_config
from petri.sandbox.proctree import settle_memory

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.harness)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

_ABSENT = object()

#: What a module's namespace keeps from its import when a candidate replaces the rest.
IMPORT_METADATA = (
    "__name__", "__file__", "__package__", "__spec__", "__loader__", "__path__",
    "__builtins__", "__cached__",
)  # fmt: skip


class RepositoryJudge(PytestJudge):
    """Collects a repository's tests once, with the repository imported; runs a candidate of
    one of its modules per forked child."""

    def __init__(self, root: str, program: str, module: str, tests: list[str]) -> None:
        super().__init__(root, program, module, tests)
        self.program_file = self.program_path  # a candidate is compiled as the real file
        self._namespace: dict[str, object] = {}
        self._keep: tuple[str, ...] = IMPORT_METADATA
        self._followers: list[tuple[dict[str, object], types.CodeType]] = []
        self._table: list[tuple[dict[str, object], str, types.ModuleType, str]] = []
        # every repository module in import order, and the names holding their objects
        self._everything: list[types.ModuleType] = []
        self._everything_table: list[tuple[dict[str, object], str, types.ModuleType, str]] = []

    def serve(self, loop: Callable[[], None]) -> int:
        """Collect the tests (the harness put the repository on ``sys.path``), then serve
        inside the session. The editable module is not set aside as in the file layout: it is
        one of the repository's, imported for real."""
        args = [*PYTEST_ARGS, *own_config(self.root), *self.tests]
        return int(pytest.main(args, plugins=self.plugins(loop)))

    def _prepare(self) -> None:
        """Once, in the worker: the followers and their compiled code, the rebinding table,
        and what pytest computes lazily."""
        params = self.warm_items()
        try:
            editable = editable_module(self.module)
        except (Exception, SystemExit) as exc:  # the repository's failure, told as such
            error = f"{self.program_path}: cannot import {self.module}: {type(exc).__name__}: {exc}"
            self.recorder.collect_errors.append(error)
            return
        tests = {id(m) for m in (getattr(item, "module", None) for item in self.items) if m}
        repository = self._repository_modules(tests)
        graph = self._import_graph(repository)
        owners = [editable]
        for name in rebind.followers(self.module, graph):
            code = _compiled(repository[name])
            if code is not None:
                owners.append(repository[name])
                self._followers.append((vars(repository[name]), code))
        self._table = self._rebinding_table(owners, tests, params)
        everything = [sys.modules[name] for name in rebind.import_order(graph, graph)]
        if len(everything) > len(owners):  # else the followers are the whole repository
            self._everything = everything
            self._everything_table = self._rebinding_table(everything, tests, params)
        self._namespace = vars(editable)
        self._keep = (*IMPORT_METADATA, *_submodules(editable))
        settle_memory()

    def _rebinding_table(
        self, owners: list[types.ModuleType], tests: set[int], params: list[dict[str, Any]]
    ) -> list[tuple[dict[str, object], str, types.ModuleType, str]]:
        """Every name of the repository (outside the owners) and every parametrized value that
        holds an owner's object, by identity; and every name a module-level ``from <owner>
        import`` bound, whatever its value (a str or int constant has no telling identity)."""
        owned_ids = {id(m) for m in owners}
        modules = [
            m
            for m in list(sys.modules.values())
            if isinstance(m, types.ModuleType) and id(m) not in owned_ids
        ]
        others = [vars(m) for m in modules if id(m) not in tests and not _is_conftest(m)]
        targets = [m for m in modules if rebind.inside(getattr(m, "__file__", None), self.root)]
        owned = rebind.owned_objects(owners, others)
        found = rebind.bindings([*map(vars, targets), *params], owned)
        table = {(id(ns), key): (ns, key, module, attr) for ns, key, module, attr in found}
        names = {m.__name__ for m in owners}
        for target in targets:
            for key, module, attr in _imported(target, names):
                table[(id(vars(target)), key)] = (vars(target), key, module, attr)
        return [(ns, key, sys.modules[module], attr) for ns, key, module, attr in table.values()]

    def _repository_modules(self, tests: set[int]) -> dict[str, types.ModuleType]:
        """The repository's loaded modules, test modules and conftest files aside, in the
        order they were imported."""
        return {
            name: module
            for name, module in list(sys.modules.items())
            if isinstance(module, types.ModuleType)
            and rebind.inside(getattr(module, "__file__", None), self.root)
            and id(module) not in tests
            and not _is_conftest(module)
        }

    def _import_graph(self, repository: dict[str, types.ModuleType]) -> dict[str, set[str]]:
        """Each repository module (the editable one included) -> the ones it imports."""
        graph: dict[str, set[str]] = {}
        for name, module in repository.items():
            tree = rebind.parse(module)
            imports = rebind.imported_modules(tree, module, sys.modules) if tree else set()
            graph[name] = {target for target in imports if target in repository}
        graph.setdefault(self.module, set())
        return graph

    def load(self, code: types.CodeType, path: str) -> None:
        """In the child: the candidate into the editable module, its followers again, then
        every name that held one of their objects; the whole repository again if that raises."""
        try:
            self._load_followers(code)
        except Exception:
            if not self._everything:
                raise
            self._load_everything(code)

    def _load_followers(self, code: types.CodeType) -> None:
        _execute(self._namespace, code, self._keep)
        for follower, follower_code in self._followers:
            exec(follower_code, follower)  # not emptied first: a stale name does no harm
        for holder, key, module, attr in self._table:
            holder[key] = _resolve(module, attr)

    def _load_everything(self, code: types.CodeType) -> None:
        """The repository imported again with the candidate: each module emptied and executed
        after the ones it imports (a cyclic importer meanwhile sees the old names)."""
        for module in self._everything:
            namespace = vars(module)
            own = code if namespace is self._namespace else _compiled(module)
            if own is not None:
                _execute(namespace, own, (*IMPORT_METADATA, *_submodules(module)))
        for holder, key, module, attr in self._everything_table:
            holder[key] = _resolve(module, attr)


def _execute(namespace: dict[str, object], code: types.CodeType, keep: tuple[str, ...]) -> None:
    """``code`` into ``namespace``, emptied of all but ``keep`` first."""
    kept = {key: namespace[key] for key in keep if key in namespace}
    namespace.clear()
    namespace.update(kept)
    exec(code, namespace)


def editable_module(name: str) -> types.ModuleType:
    """The editable module as the repository imported it. One that the tests never imported
    is imported now; one whose original fails to import is made empty from its spec, so that
    each candidate, not the original, decides whether it imports."""
    module = sys.modules.get(name)
    if isinstance(module, types.ModuleType):
        return module
    try:
        return importlib.import_module(name)
    except (Exception, SystemExit):
        spec = importlib.util.find_spec(name)
        if spec is None:
            raise
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)
    return module


def _imported(target: types.ModuleType, owners: set[str]) -> Iterator[tuple[str, str, str]]:
    """(name, owner, attribute) for each name ``target`` took from an owner by a module-level
    ``from ... import`` and still holds (the very object the owner had)."""
    tree = rebind.parse(target)
    if tree is None:
        return
    namespace = vars(target)
    for key, owner, attr in rebind.imported_names(tree, target, owners):
        source = vars(sys.modules[owner])
        star = attr == "*"
        for name, source_attr in _public(source) if star else [(key, attr)]:
            value = namespace.get(name, _ABSENT)
            if value is not source.get(source_attr) or isinstance(value, types.ModuleType):
                continue
            # What a star import brought along (the owner's own imports, e.g. Path) may as
            # well come from the target's own import of it: only the owners' own are taken.
            if not star or not rebind.foreign(value, owners):
                yield name, owner, source_attr


def _public(namespace: dict[str, object]) -> list[tuple[str, str]]:
    """The names ``from m import *`` binds."""
    names = namespace.get("__all__")
    if not isinstance(names, list | tuple):
        names = [n for n in namespace if not n.startswith("_")]
    return [(n, n) for n in names if isinstance(n, str)]


def _compiled(module: types.ModuleType) -> types.CodeType | None:
    source = rebind.read_source(module)
    if source is None:
        return None
    try:
        return compile(source, str(module.__file__), "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _submodules(module: types.ModuleType) -> list[str]:
    """A package's attributes that are its imported submodules: the import system set them,
    and a candidate of its ``__init__`` does not."""
    if not hasattr(module, "__path__"):
        return []
    prefix = module.__name__ + "."
    return [
        attr
        for attr, value in vars(module).items()
        if isinstance(value, types.ModuleType) and value.__name__ == prefix + attr
    ]


def _is_conftest(module: types.ModuleType) -> bool:
    return os.path.basename(str(getattr(module, "__file__", None) or "")) == "conftest.py"
