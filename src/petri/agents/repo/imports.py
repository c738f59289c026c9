"""The repository's import graph (networkx) and the functions that span its lines.

The graph is read from source (``ast``), never by importing: an edge ``a -> b`` means module
``a`` imports module ``b`` of the repository (relative imports resolved, ``from pkg import sub``
counted when ``sub`` is a submodule). The planner orders tasks along it, so that a fix in a
dependency lands before the tasks of the modules that import it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx


def import_graph(sources: Mapping[str, str], modules: Mapping[str, str]) -> nx.DiGraph:
    """``file -> file`` edges for every import between the repository's own modules."""
    by_name = {name: rel for rel, name in modules.items()}
    graph = nx.DiGraph()
    graph.add_nodes_from(sources)
    for rel, text in sources.items():
        package = _package(rel, modules[rel])
        for target in _imported(text, package):
            found = _resolve(target, by_name)
            if found is not None and found != rel:
                graph.add_edge(rel, found)
    return graph


def _package(rel: str, module: str) -> str:
    return module if rel.endswith("__init__.py") else module.rpartition(".")[0]


def _imported(text: str, package: str) -> set[str]:
    """Dotted names ``text`` imports, relative ones made absolute against ``package``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            if base is None:
                continue
            found.add(base)
            found.update(f"{base}.{alias.name}" if base else alias.name for alias in node.names)
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str | None:
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    if node.module:
        base.append(node.module)
    return ".".join(base)


def _resolve(name: str, by_name: Mapping[str, str]) -> str | None:
    """The file of the longest prefix of ``name`` that is a repository module."""
    parts = name.split(".")
    while parts:
        found = by_name.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None


def dependencies(graph: nx.DiGraph, rel: str) -> set[str]:
    """Every file ``rel`` imports, directly or not."""
    return set(nx.descendants(graph, rel)) if rel in graph else set()


def depth(graph: nx.DiGraph, rel: str) -> int:
    """How many files ``rel`` depends on (a dependency sorts before its dependents)."""
    return len(dependencies(graph, rel))


@dataclass(frozen=True)
class Span:
    """A function or method and the lines it covers."""

    name: str  # "f" or "Class.method"
    start: int
    end: int


def spans(text: str) -> list[Span]:
    """The functions and methods of a module, innermost-first lookups use ``enclosing``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found: list[Span] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                found.append(Span(name, child.lineno, child.end_lineno or child.lineno))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return found


def enclosing(found: list[Span], line: int) -> str:
    """The innermost function holding ``line``, or ``<module>``."""
    best: Span | None = None
    for span in found:
        if span.start <= line <= span.end and (best is None or span.start >= best.start):
            best = span
    return best.name if best is not None else "<module>"
