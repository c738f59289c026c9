"""The lines that feed a line: where a fault may sit when a repair was found on that line.

A patch that passes the tests shows where a fault shows, and the fault may sit one step
upstream: in the statement that computed a value the line reads, in the condition that leads
to it, or in a function of the program it calls (a clamp missing in a helper, patched over in
its caller). ``feeding`` gives those lines, one step back, from the standard library's ``ast``:
the assignments in the same function of the names the line reads, the headers of the blocks
that hold it, and the ``return`` lines of the module's own functions called on it or in those
assignments. The search for alternative repairs draws its edits there too
(``petri.evolve.engine``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

_Function = ast.FunctionDef | ast.AsyncFunctionDef
#: Blocks whose header decides whether (or how often) the statements inside run.
_HEADERS = (ast.If, ast.While, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.Try)


def feeding(source: str, lines: Iterable[int]) -> frozenset[int]:
    """The lines one step upstream of ``lines`` in ``source`` (none of ``lines`` itself);
    empty for a program that does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    functions = {n.name: n for n in tree.body if isinstance(n, _Function)}
    wanted = set(lines)
    found: set[int] = set()
    for line in wanted:
        path = _path_to(tree, line)
        if not path:
            continue
        statement = path[-1]
        found.update(s.lineno for s in path[:-1] if isinstance(s, _HEADERS))
        scope = next((s for s in reversed(path) if isinstance(s, _Function)), tree)
        reads = _reads(statement)
        sources = [s for s in _statements(scope) if s is not statement and _binds(s) & reads]
        found.update(s.lineno for s in sources)
        for origin in (statement, *sources):
            for name in _called(origin):
                if name in functions:
                    found.update(_returns(functions[name]))
    return frozenset(found - wanted)


def _path_to(tree: ast.Module, line: int) -> list[ast.stmt]:
    """The statements from the module down to the innermost one that spans ``line``."""
    path: list[ast.stmt] = []
    body: list[ast.stmt] = tree.body
    while True:
        inner = next((s for s in body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
        if inner is None:
            return path
        path.append(inner)
        body = [s for field in _bodies(inner) for s in field]


def _bodies(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        block = getattr(statement, name, None)
        if isinstance(block, list):
            yield [s for s in block if isinstance(s, ast.stmt)]
    for handler in getattr(statement, "handlers", ()):
        yield handler.body


def _own(statement: ast.stmt) -> list[ast.AST]:
    """The parts of ``statement`` that run on its own line: a block's header, not its body."""
    if isinstance(statement, ast.If | ast.While):
        return [statement.test]
    if isinstance(statement, ast.For | ast.AsyncFor):
        return [statement.target, statement.iter]
    if isinstance(statement, ast.With | ast.AsyncWith):
        return list(statement.items)
    if isinstance(statement, _Function | ast.ClassDef | ast.Try):
        return []
    return [statement]


def _reads(statement: ast.stmt) -> set[str]:
    return {
        n.id
        for part in _own(statement)
        for n in ast.walk(part)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def _binds(statement: ast.stmt) -> set[str]:
    """The names ``statement`` itself assigns (a loop's target, ``with ... as``, ``=``)."""
    targets: list[ast.AST]
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
        targets = [statement.target]
    elif isinstance(statement, ast.With | ast.AsyncWith):
        targets = [i.optional_vars for i in statement.items if i.optional_vars is not None]
    else:
        return set()
    return {
        n.id
        for t in targets
        for n in ast.walk(t)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _statements(scope: ast.AST) -> Iterator[ast.stmt]:
    for node in ast.walk(scope):
        if isinstance(node, ast.stmt) and node is not scope:
            yield node


def _called(statement: ast.stmt) -> set[str]:
    return {
        n.func.id
        for part in _own(statement)
        for n in ast.walk(part)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }


def _returns(function: _Function) -> set[int]:
    return {n.lineno for n in ast.walk(function) if isinstance(n, ast.Return)}
