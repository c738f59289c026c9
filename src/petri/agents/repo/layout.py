"""A repository as the swarm sees it: where its tests are, its import roots, its source modules.

Discovery reads files and pytest's configuration only; nothing of the repository runs here.
Layouts: ``src/`` (import root ``src``) or flat (the repository's top), packages or plain
modules, tests in ``tests/`` (or wherever ``[tool.pytest.ini_options] testpaths`` says).
Held-out tests (``holdout/`` by default) are never part of the judge; the tester runs them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petri.errors import ProblemError, RepositoryError
from petri.problem import read_source

#: Folders that never hold the repository's own source.
SKIP_DIRS = frozenset(
    {".git", ".petri", ".venv", "venv", "env", ".tox", ".nox", "build", "dist", "__pycache__",
     "node_modules", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache", "docs"}
)  # fmt: skip
#: Most source files a repository may have (more is not a repository petri repairs file by file).
MAX_SOURCES = 2000


@dataclass(frozen=True)
class RepoLayout:
    """A checked repository: everything relative to ``root``."""

    root: Path
    tests: tuple[str, ...]  # what pytest collects (the judge)
    paths: tuple[str, ...]  # import roots put on sys.path before the top ("src")
    sources: tuple[str, ...]  # editable source files
    modules: dict[str, str]  # source file -> dotted module name
    holdout: str | None = None  # held-out tests, never judged by the search
    skipped: tuple[tuple[str, str], ...] = field(default=())  # (file, why it is not editable)

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "tests": list(self.tests),
            "paths": list(self.paths),
            "sources": list(self.sources),
            "modules": dict(self.modules),
            "holdout": self.holdout,
            "skipped": [list(s) for s in self.skipped],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RepoLayout:
        return cls(
            root=Path(data["root"]),
            tests=tuple(data["tests"]),
            paths=tuple(data["paths"]),
            sources=tuple(data["sources"]),
            modules=dict(data["modules"]),
            holdout=data.get("holdout"),
            skipped=tuple((str(a), str(b)) for a, b in data.get("skipped", [])),
        )


def discover(path: Path | str, *, holdout: Path | str | None = None) -> RepoLayout:
    """Check ``path`` as a repository to repair; ``RepositoryError`` names what is missing."""
    root = Path(path)
    if not root.exists():
        raise RepositoryError(f"repository {root}: does not exist; check the path")
    if not root.is_dir():
        raise RepositoryError(f"repository {root}: not a folder; pass the repository's folder")
    root = root.resolve()
    ini = _pytest_ini(root)
    held = _holdout(root, holdout)
    tests = _tests(root, ini, held)
    paths = _import_roots(root, ini)
    sources, skipped = _sources(root, paths, tests, held)
    if not sources:
        raise RepositoryError(f"repository {root}: no Python source outside the tests to repair")
    modules = {rel: module_name(rel, paths) for rel in sources}
    return RepoLayout(root, tests, paths, tuple(sources), modules, held, tuple(skipped))


def _pytest_ini(root: Path) -> dict[str, Any]:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RepositoryError(f"{pyproject}: not valid TOML ({exc}); fix it") from exc
    section = data.get("tool", {}).get("pytest", {}).get("ini_options", {})
    return section if isinstance(section, dict) else {}


def _holdout(root: Path, given: Path | str | None) -> str | None:
    if given is None:
        return "holdout" if (root / "holdout").is_dir() else None
    held = Path(given)
    held = held if held.is_absolute() else root / held
    if not held.is_dir():
        raise RepositoryError(f"held-out tests {held}: not a folder; pass --holdout DIR")
    try:
        return str(held.resolve().relative_to(root))
    except ValueError:
        raise RepositoryError(f"held-out tests {held}: must be inside {root}") from None


def _tests(root: Path, ini: dict[str, Any], holdout: str | None) -> tuple[str, ...]:
    configured = ini.get("testpaths")
    if isinstance(configured, str):
        configured = configured.split()
    if isinstance(configured, list) and configured:
        found = tuple(str(p) for p in configured if (root / str(p)).exists())
    else:
        found = tuple(d for d in ("tests", "test") if (root / d).is_dir())
    if not found:
        found = tuple(p.name for p in sorted(root.glob("test_*.py")) if p.is_file())
    files = [f for t in found for f in _test_files(root / t)]
    if not files or holdout in found:
        raise RepositoryError(
            f"repository {root}: no tests found; add tests/ with test_*.py files (pytest)"
        )
    return found


def _test_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return [p for p in path.rglob("*.py") if p.name.startswith("test_") or p.stem.endswith("_test")]


def _import_roots(root: Path, ini: dict[str, Any]) -> tuple[str, ...]:
    configured = ini.get("pythonpath")
    if isinstance(configured, str):
        configured = configured.split()
    roots = [str(p) for p in configured or [] if (root / str(p)).is_dir() and str(p) != "."]
    if not roots and (root / "src").is_dir() and any((root / "src").rglob("*.py")):
        roots = ["src"]
    return tuple(dict.fromkeys(roots))


def _sources(
    root: Path, paths: tuple[str, ...], tests: tuple[str, ...], holdout: str | None
) -> tuple[list[str], list[tuple[str, str]]]:
    excluded = {root / t for t in tests} | ({root / holdout} if holdout else set())
    sources: list[str] = []
    skipped: list[tuple[str, str]] = []
    for file in sorted(root.rglob("*.py")):
        rel = file.relative_to(root)
        if SKIP_DIRS.intersection(rel.parts[:-1]) or any(p.startswith(".") for p in rel.parts):
            continue
        if any(file == e or e in file.parents for e in excluded) or _is_test(rel):
            continue
        try:
            read_source(file)
        except ProblemError as exc:  # binary, huge or unreadable: never a candidate
            skipped.append((str(rel), str(exc)))
            continue
        sources.append(str(rel))
        if len(sources) > MAX_SOURCES:
            raise RepositoryError(
                f"repository {root}: more than {MAX_SOURCES} source files; point petri at the "
                "package folder to repair"
            )
    return sources, skipped


def _is_test(rel: Path) -> bool:
    name = rel.name
    return (
        name in ("conftest.py", "setup.py", "noxfile.py")
        or name.startswith("test_")
        or rel.stem.endswith("_test")
        or "tests" in rel.parts[:-1]
        or "test" in rel.parts[:-1]
    )


def module_name(rel: str, paths: tuple[str, ...]) -> str:
    """The dotted name ``rel`` is imported by, from the first import root that holds it."""
    path = Path(rel)
    for root in paths:
        try:
            path = path.relative_to(root)
            break
        except ValueError:
            continue
    parts = list(path.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)
