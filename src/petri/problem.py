"""Load and check a PROBLEM folder: a program file plus its judge (``tests/``, ``evaluate.py``,
or the public format's ``initial_program.py`` + ``evaluator.py`` + optional ``config.yaml``).

Problem code is only ever read and parsed here, never imported or executed: it is untrusted, and
only the sandbox runs it. A program with a syntax error still loads; judging it yields the status
``invalid``. Every check raises a :mod:`petri.errors` type whose one-line message names the fix.
"""

from __future__ import annotations

import ast
import json
import keyword
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from petri.config import CONFIG_FILE, Settings, load_settings
from petri.errors import JudgeError, ProblemError, ProblemNotFound, ProgramError
from petri.integrations.openevolve import EVALUATOR_FILE, PROGRAM_FILE
from petri.integrations.openevolve_config import is_format_folder, read_config
from petri.program.indentation import spaced
from petri.sandbox.spec import MAX_SOURCE_BYTES, JudgeKind, JudgeSpec

#: Largest program or judge file petri reads; anything bigger is not a hand-written program.
EVALUATE_FILE = "evaluate.py"
TESTS_DIR = "tests"
#: Top-level .py files that are never the program.
NOT_PROGRAMS = frozenset({EVALUATE_FILE, "conftest.py", "setup.py"})
#: What the petri.toml written by ``petri init`` sets; it matches templates/init/.
TEMPLATE_CONFIG = {"program": "program.py", "judge": "tests"}
#: The comment lines around the part of a program evolution may change (the same rule as the
#: edit sites'); without them, the whole program may change.
_MARKER = re.compile(r"^\s*#\s*EVOLVE-BLOCK-(START|END)\b")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Problem:
    """A checked PROBLEM folder and the program source to judge in it."""

    root: Path  #: absolute problem folder
    program: str  #: the program's file name inside ``root``, e.g. ``fizz.py``
    program_path: Path  #: the file ``source`` was read from (``--program`` or root/program)
    judge: JudgeKind
    settings: Settings
    source: str
    notes: tuple[str, ...] = ()  #: warnings to show the user once (e.g. config.yaml keys ignored)

    @property
    def module(self) -> str:
        """The name the tests import the program by (``fizz`` for ``fizz.py``)."""
        return Path(self.program).stem

    def judge_spec(self) -> JudgeSpec:
        """What the sandbox needs to start workers for this problem's judge."""
        return JudgeSpec(root=self.root, program=self.program, kind=self.judge)


def load_problem(path: Path | str, program: Path | str | None = None) -> Problem:
    """Load the problem folder ``path``; ``program`` is another version of its program to judge."""
    root = _problem_root(Path(path))
    settings = load_settings(root)
    judge = _judge_kind(root, settings)
    name = settings.program or _default_program(root, judge)
    _check_program_name(root, name, judge)
    notes: tuple[str, ...] = ()
    if judge == "tests":
        _check_tests(root)
    elif judge == "evaluate":
        _check_evaluate(root / EVALUATE_FILE)
    else:
        _check_evaluate(root / EVALUATOR_FILE)
        note = read_config(root).note()
        notes = (note,) if note else ()
    source_path = root / name
    if program is not None:
        source_path = Path(program).resolve()
        if not source_path.is_file():
            raise ProblemNotFound(f"program {program}: no such file; pass an existing .py file")
    source = read_source(source_path, ProgramError)
    check_markers(source, source_path)
    respaced = spaced(source)
    if respaced is not None:
        source = respaced
        notes += (
            f"{source_path.name} mixes tabs and spaces in its indentation; petri evolves it "
            "indented with spaces (same blocks), and its result and patch are of that version",
        )
    return Problem(root, name, source_path, judge, settings, source, notes)


def check_markers(source: str, path: Path) -> None:
    """ProgramError unless every ``# EVOLVE-BLOCK-START`` line is closed by an
    ``# EVOLVE-BLOCK-END`` line before the next START (blocks do not nest)."""
    fix = "pair each # EVOLVE-BLOCK-START with an # EVOLVE-BLOCK-END below it"
    start: int | None = None
    for number, line in enumerate(_LINE_BREAK.split(source), 1):
        match = _MARKER.match(line)
        if match is None:
            continue
        if match.group(1) == "START" and start is not None:
            raise ProgramError(
                f"{path}:{number}: EVOLVE-BLOCK-START inside the block opened on line {start}; "
                f"{fix}"
            )
        if match.group(1) == "END" and start is None:
            raise ProgramError(f"{path}:{number}: EVOLVE-BLOCK-END with no START above it; {fix}")
        start = number if match.group(1) == "START" else None
    if start is not None:
        raise ProgramError(f"{path}:{start}: EVOLVE-BLOCK-START is never closed; {fix}")


def read_source(path: Path, error: type[ProblemError] = ProgramError) -> str:
    """The text of a Python file, refusing huge or binary files (as ``error``)."""
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= MAX_SOURCE_BYTES else b""
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror}); check the file") from exc
    if size > MAX_SOURCE_BYTES:
        limit = MAX_SOURCE_BYTES // 1024
        raise error(f"{path}: {size} bytes is too large (limit {limit} KiB); pass a source file")
    if b"\0" in data:
        raise error(f"{path}: binary (contains NUL bytes), not source; pass a Python text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from exc


def _problem_root(path: Path) -> Path:
    if not path.exists():
        raise ProblemNotFound(f"problem folder {path}: does not exist; check the path")
    if not path.is_dir():
        raise ProblemError(
            f"problem {path}: not a folder; pass the folder holding the program and its judge"
        )
    return path.resolve()


def _default_program(root: Path, judge: JudgeKind) -> str:
    if judge == "openevolve":
        if (root / PROGRAM_FILE).is_file():
            return PROGRAM_FILE
        return _discover_program(root, NOT_PROGRAMS | {EVALUATOR_FILE})
    return _discover_program(root)


def _discover_program(root: Path, skip: frozenset[str] = NOT_PROGRAMS) -> str:
    found = sorted(p.name for p in root.glob("*.py") if p.is_file() and p.name not in skip)
    if not found:
        raise ProgramError(f"problem {root}: no program (.py file) found; add one")
    if len(found) > 1:
        raise ProgramError(
            f"problem {root}: several programs ({', '.join(found)}); "
            f'name one in {CONFIG_FILE}: program = "{found[0]}"'
        )
    return found[0]


def _check_program_name(root: Path, name: str, judge: JudgeKind) -> None:
    where = f"{root / CONFIG_FILE}"
    judges = NOT_PROGRAMS | ({EVALUATOR_FILE} if judge == "openevolve" else set())
    if Path(name).name != name or not name.endswith(".py") or name in judges:
        raise ProgramError(
            f'program "{name}" in {where}: must be a .py file directly in the problem folder, '
            f"other than {', '.join(sorted(judges))}; fix the name"
        )
    stem = name.removesuffix(".py")
    if judge == "tests" and (not stem.isidentifier() or keyword.iskeyword(stem)):
        raise ProgramError(
            f"program {root / name}: tests cannot import {stem!r}; rename it to a valid module name"
        )
    if not (root / name).is_file():
        raise ProgramError(f'program {root / name}: does not exist; create it or fix "program"')


def _judge_kind(root: Path, settings: Settings) -> JudgeKind:
    if settings.judge != "auto":
        return settings.judge
    found: dict[JudgeKind, str] = {}
    if _test_files(root):
        found["tests"] = f"{TESTS_DIR}/"
    if (root / EVALUATE_FILE).is_file():
        found["evaluate"] = EVALUATE_FILE
    if is_format_folder(root):
        found["openevolve"] = f"{PROGRAM_FILE} + {EVALUATOR_FILE}"
    if len(found) > 1:
        choices = " or ".join(f'judge = "{kind}"' for kind in found)
        raise JudgeError(
            f"problem {root}: has {' and '.join(found.values())}; "
            f"choose one in {CONFIG_FILE}: {choices}"
        )
    if found:
        return next(iter(found))
    raise JudgeError(
        f"problem {root}: no judge; add {TESTS_DIR}/test_*.py (pytest), "
        f"{EVALUATE_FILE} with evaluate(program_path), "
        f"or {PROGRAM_FILE} with {EVALUATOR_FILE} (the public format)"
    )


def _test_files(root: Path) -> list[Path]:
    tests = root / TESTS_DIR
    if not tests.is_dir():
        return []
    found = {*tests.rglob("test_*.py"), *tests.rglob("*_test.py")}
    return sorted(p for p in found if p.is_file())


def _check_tests(root: Path) -> None:
    test_files = _test_files(root)
    if not test_files:
        raise JudgeError(f"problem {root}: no test files; add {TESTS_DIR}/test_*.py (pytest)")
    for path in [*test_files, *sorted((root / TESTS_DIR).rglob("conftest.py"))]:
        _parse_judge_file(path)


def _check_evaluate(path: Path) -> None:
    if not path.is_file():
        raise JudgeError(f"problem {path.parent}: no {path.name}; add one or use tests/")
    tree = _parse_judge_file(path)
    if "evaluate" not in _top_level_names(tree):
        raise JudgeError(
            f"{path}: defines no evaluate(); add def evaluate(program_path) -> dict[str, float]"
        )


def _parse_judge_file(path: Path) -> ast.Module:
    source = read_source(path, JudgeError)
    try:
        return ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or "?"
        raise JudgeError(f"{path}:{line}: judge has a syntax error ({exc}); fix it") from exc


def _top_level_names(tree: ast.Module) -> set[str]:
    """Names bound at module level by def, class, assignment or import (without running it)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def init_problem(dest: Path | str) -> list[Path]:
    """Scaffold a working problem folder at ``dest``; returns the files written.

    Refuses to write into an existing non-empty folder, so nothing of the user's is overwritten.
    """
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ProblemError(f"{dest}: already exists and is not empty; choose a new folder name")
    template = files("petri").joinpath("templates", "init")
    written: list[Path] = []
    pending = [(template, dest)]
    while pending:
        src, out = pending.pop()
        out.mkdir(parents=True, exist_ok=True)
        for item in src.iterdir():
            if item.name == "__pycache__" or item.name.endswith(".pyc"):
                continue
            if item.is_dir():
                pending.append((item, out / item.name))
            else:
                (out / item.name).write_bytes(item.read_bytes())
                written.append(out / item.name)
    (dest / CONFIG_FILE).write_text(render_config(**TEMPLATE_CONFIG), encoding="utf-8")
    return sorted([*written, dest / CONFIG_FILE])


def render_config(**values: str) -> str:
    """A petri.toml that sets ``values`` and shows every other setting's default, commented.

    Generated from the settings models, so the defaults it shows can never disagree with them.
    """
    lines = [
        "# petri.toml: how petri judges this problem. Every key is optional; commented lines",
        "# show the defaults. Environment variables override it, e.g. PETRI_LIMITS__MEMORY_MB=512.",
        "",
    ]
    tables: list[tuple[str, type[BaseModel]]] = []
    for name, info in Settings.model_fields.items():
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            tables.append((name, info.annotation))
        else:
            lines += _render_field(name, info, values.get(name))
    for table, model in tables:
        lines += ["", f"[{table}]"]
        for name, info in model.model_fields.items():
            lines += _render_field(name, info, None)
    return "\n".join(lines) + "\n"


def _render_field(name: str, info: FieldInfo, value: str | None) -> list[str]:
    comment = [f"# {info.description}"]
    if value is not None:
        return [*comment, f"{name} = {json.dumps(value)}"]
    default = info.get_default(call_default_factory=True)
    if default is None or isinstance(default, Path):  # None, or a per-user path: no fixed value
        return [*comment, f"# {name} = ..."]
    return [*comment, f"# {name} = {json.dumps(default)}"]
