"""Every edit yields valid Python: a property over a corpus of real programs.

The corpus is local: small modules of the standard library, this repository's examples and
``corpus/`` (constructs the others lack); each program is its own donor.
Random seeds drive ``propose``, over all operators and over each operator alone; each proposed
edit must apply on its own, and any list of them must give either None or source that compiles
and says exactly what the edited tree says (no parenthesis lost, no token glued to its
neighbour).
"""

from __future__ import annotations

import ast
import functools
import random
import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from petri.program.edits import Edit, Original, compiles
from petri.program.operators import OPERATORS, propose

STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = ("bisect", "heapq", "textwrap", "colorsys", "fnmatch", "shlex", "glob", "keyword")
MODULES += ("graphlib", "stat", "reprlib", "genericpath", "sched")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PATHS = [STDLIB / f"{name}.py" for name in MODULES if (STDLIB / f"{name}.py").is_file()]
PATHS += sorted(EXAMPLES.glob("*/*.py"))
# Loops that end by what their bodies do to a container: rare in the modules above.
PATHS += sorted((Path(__file__).resolve().parent / "corpus").glob("*.py"))
# Layout only: what remains is the meaning of the tree.
_LAYOUT = (
    cst.BaseParenthesizableWhitespace,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Colon,
    cst.Semicolon,
    cst.Dot,
    cst.AssignEqual,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
)

Shape = tuple[str, str | None, tuple["Shape", ...]]


@functools.cache
def corpus() -> dict[str, Original]:
    """Each program of the corpus, parsed once for the whole module, with itself as its donor
    (so the donor operators lend a function's own statements anywhere in it)."""
    texts = {path.name: path.read_text(encoding="utf-8") for path in PATHS}
    return {name: Original.parse(text, [text]) for name, text in texts.items()}


def shape(node: cst.CSTNode) -> Shape:
    """The tree without its layout: two trees with one shape mean the same program."""
    value = getattr(node, "value", None)
    children = tuple(shape(c) for c in node.children if not isinstance(c, _LAYOUT))
    return (type(node).__name__, value if isinstance(value, str) else None, children)


def test_the_corpus_is_big_enough() -> None:
    programs = corpus()
    assert len(programs) >= 10
    assert sum(len(original.sites) for original in programs.values()) > 2000


def proposed(original: Original, seed: int, count: int, ops: list[str] | None = None) -> list[Edit]:
    rng = random.Random(seed)
    edits = [propose(original, rng, ops=ops) for _ in range(count)]
    if ops is None:
        assert all(edit is not None for edit in edits)
    return [edit for edit in edits if edit is not None]


def check_valid(original: Original, edits: list[Edit]) -> None:
    """Each edit applies alone and leaves the lines before it be; all of them together give
    None or source whose tree is the edited tree."""
    for edit in edits:
        assert Edit.from_json(edit.to_json()) == edit
        single = original.apply([edit])
        assert single is not None and single != original.source, edit
        assert compiles(single)
        line = _first_line_touched(original, edit)
        before = original.source.splitlines(keepends=True)[: line - 1]
        assert single.splitlines(keepends=True)[: line - 1] == before
    combined = original.apply(edits)
    if combined is None:
        return
    assert compiles(combined)
    tree = original.transform(edits)
    assert tree is not None
    assert shape(cst.parse_module(combined)) == shape(tree)


@settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(path.name for path in PATHS)),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    count=st.integers(min_value=1, max_value=4),
)
def test_proposed_edits_always_give_valid_python(name: str, seed: int, count: int) -> None:
    original = corpus()[name]
    edits = proposed(original, seed, count)
    assert edits == proposed(original, seed, count)  # the seed decides everything
    check_valid(original, edits)


@pytest.mark.parametrize("op", sorted(OPERATORS))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(path.name for path in PATHS)),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_each_operator_alone_gives_valid_python(op: str, name: str, seed: int) -> None:
    original = corpus()[name]
    edits = proposed(original, seed, 3, ops=[op])
    assert edits == proposed(original, seed, 3, ops=[op])
    assert all(edit.op == op for edit in edits)
    check_valid(original, edits)


@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_each_operator_applies_somewhere_in_the_corpus(op: str) -> None:
    # Without this, the property above could hold by never proposing anything.
    found = [edit for original in corpus().values() for edit in proposed(original, 0, 2, ops=[op])]
    assert len(found) >= 5, op


def _first_line_touched(original: Original, edit: Edit) -> int:
    """The first line the edit may change: its site's, or the partner's that a swap moves into
    its place, or for a donor's body, the ``def`` line of the function whose body it replaces
    (what follows the signature is the body's, comments included; a nested ``def`` in it is
    a statement but not always a site)."""
    line = original.sites[edit.site].line
    if edit.op == "donor_body":
        return _enclosing_def(original.source, line)
    if edit.op == "stmt_swap":
        return min(line, original.sites[int(edit.args[0] or 0)].line)
    return line


def _enclosing_def(source: str, line: int) -> int:
    functions = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body[0].lineno <= line <= (node.end_lineno or line)
    ]
    return max(node.lineno for node in functions)  # the innermost
