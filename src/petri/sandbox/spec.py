"""What the sandbox needs to know about a problem's judge, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal, cast

JudgeKind = Literal["tests", "evaluate", "openevolve", "shadow"]
#: The judges a problem may have; ``shadow`` is petri's own (``sandbox.judge_shadow``), run on
#: a copy of a tests problem.
JUDGE_KINDS: tuple[JudgeKind, ...] = ("tests", "evaluate", "openevolve")
Layout = Literal["file", "repository"]

#: The largest program petri accepts, for the original and for every candidate.
MAX_SOURCE_BYTES = 1 << 20


@dataclass(frozen=True)
class JudgeSpec:
    """A problem folder as the sandbox sees it.

    ``root`` is mounted read-only inside the jail; ``program`` names the file (relative to
    ``root``) whose module the tests import, or whose path ``evaluate()`` receives. ``kind``
    says who judges it: ``tests`` (pytest), ``evaluate`` (evaluate.py) or ``openevolve`` (the
    public format's evaluator.py, with its cascade and config.yaml), or ``shadow`` (a
    pytest problem's functions called directly on inputs, see ``sandbox.judge_shadow``).

    In the ``"file"`` layout the program sits at the top of ``root`` and is imported by its
    stem; the tests are collected against placeholders of it. In the ``"repository"`` layout
    the program is one file of a package (``src/shop/cart.py`` imported as ``shop.cart``), the
    repository is imported for real and each candidate is executed into the module, followed
    by the modules that import it (see ``sandbox.judge_repository``).

    ``tests`` are the pytest arguments (paths or node ids, relative to ``root``) that select
    what is collected; ``paths`` are folders put on ``sys.path`` before ``root`` (``"src"``);
    ``sources`` are the repository's non-test source files measured by per-file coverage.
    """

    root: Path
    program: str
    kind: JudgeKind
    module_name: str | None = None
    layout: Layout = "file"
    tests: tuple[str, ...] = ("tests",)
    paths: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in (self.program, *self.tests, *self.paths, *self.sources):
            _check_relative(name.split("::", 1)[0])
        if self.layout not in ("file", "repository"):
            raise ValueError(f"unknown layout {self.layout!r}; use 'file' or 'repository'")
        if not self.tests:
            raise ValueError("tests must name at least one path or node id")

    @property
    def judge_file(self) -> str:
        """The judge's file (or folder) in ``root``, as error messages name it."""
        files = {"evaluate": "evaluate.py", "openevolve": "evaluator.py"}
        files |= {"tests": self.tests[0], "shadow": "_petri_shadow.json"}
        return files[self.kind]

    @property
    def module(self) -> str:
        """The dotted name the program is imported by."""
        return self.module_name or Path(self.program).stem

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``root`` as str) that ``from_json`` turns back into this spec."""
        return {
            "root": str(self.root),
            "program": self.program,
            "kind": self.kind,
            "module_name": self.module_name,
            "layout": self.layout,
            "tests": list(self.tests),
            "paths": list(self.paths),
            "sources": list(self.sources),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JudgeSpec:
        """The spec ``to_json`` described; missing optional fields take their defaults."""
        kind = str(data["kind"])
        if kind not in JUDGE_KINDS:
            raise ValueError(f"unknown judge kind {kind!r}")
        module_name = data.get("module_name")
        return cls(
            root=Path(str(data["root"])),
            program=str(data["program"]),
            kind=kind,
            module_name=None if module_name is None else str(module_name),
            layout=cast(Layout, str(data.get("layout", "file"))),
            tests=_strings(data.get("tests", ("tests",))),
            paths=_strings(data.get("paths", ())),
            sources=_strings(data.get("sources", ())),
        )


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(str(item) for item in value)


def _check_relative(name: str) -> None:
    # Inside the jail only the problem is mounted: a path leaving it names nothing there, and
    # an option ("-p plugin") is not a path at all.
    path = PurePosixPath(name)
    if not name or name.startswith("-") or path.is_absolute() or ".." in path.parts:
        raise ValueError(f"{name!r} must be a path relative to the problem folder, inside it")
