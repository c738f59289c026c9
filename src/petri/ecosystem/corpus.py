"""Founders from a corpus: every top-level function of a folder of Python files.

Each function becomes one founder genome: the file's imports, then the function renamed
``organism`` (its recursive calls too), so that every genome is called the same way and a
statement lent by one genome to another finds its function (see ``genomes.transfer``). Files
that are not UTF-8 text, hold NUL bytes, exceed ``MAX_FILE_BYTES`` or do not parse are skipped
and counted; a corpus without a single function is an error that says what to give instead.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from petri.errors import ConfigError
from petri.program.identity import program_id

MAX_FILE_BYTES = 256 * 1024
#: Founders kept from one corpus (the first by file and line).
MAX_FOUNDERS = 2000
NAME = "organism"


@dataclass
class Corpus:
    """The founders read from a folder, and what was skipped (file -> reason)."""

    founders: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def bundled_corpus() -> Path:
    """The folder of small functions that ships with petri."""
    return Path(str(resources.files("petri.ecosystem") / "corpus"))


def read_corpus(folder: Path) -> Corpus:
    """The founders of ``folder`` (searched recursively, in path order); ConfigError when the
    folder is missing or holds no usable function."""
    if not folder.is_dir():
        raise ConfigError(f"corpus {folder} is not a folder; give a folder of .py files")
    corpus = Corpus()
    seen: set[str] = set()
    for path in sorted(folder.rglob("*.py")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        text, why = _read(path)
        if text is None:
            corpus.skipped[str(path)] = why
            continue
        for source in founders_of(text):
            gid = program_id(source)
            if gid not in seen and len(corpus.founders) < MAX_FOUNDERS:
                seen.add(gid)
                corpus.founders.append(source)
    if not corpus.founders:
        raise ConfigError(
            f"corpus {folder} has no top-level Python function petri can use; "
            "give a folder of .py files that define functions"
        )
    return corpus


def _read(path: Path) -> tuple[str | None, str]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, f"larger than {MAX_FILE_BYTES // 1024} KiB"
        data = path.read_bytes()
    except OSError as exc:
        return None, f"unreadable ({exc.strerror})"
    if b"\0" in data:
        return None, "binary (NUL bytes)"
    try:
        text = data.decode("utf-8")
        ast.parse(text)
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except (SyntaxError, ValueError, RecursionError) as exc:
        return None, f"does not parse ({type(exc).__name__})"
    return text, ""


def founders_of(text: str) -> list[str]:
    """One genome per top-level function of ``text`` (plain ``def``; async and decorated
    functions are left out: the environment calls a plain function)."""
    tree = ast.parse(text)
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.decorator_list:
            renamed = _Rename(node.name).visit(node)
            module = ast.Module(body=[*imports, renamed], type_ignores=[])
            out.append(ast.unparse(ast.fix_missing_locations(module)) + "\n")
    return out


class _Rename(ast.NodeTransformer):
    """The function and every plain reference to its name become ``organism``."""

    def __init__(self, old: str) -> None:
        self.old = old

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        if node.name == self.old:
            node.name = NAME
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id == self.old:
            node.id = NAME
        return node
