"""Tabs and spaces mixed in a way CPython accepts and libcst does not."""

from __future__ import annotations

import libcst as cst
import pytest

from petri.errors import ProgramError
from petri.program.edits import Original
from petri.program.indentation import spaced

#: ``for`` indented by four spaces, its body by a tab and four spaces (column 12 for CPython).
MIXED = "def f(xs):\r\n    for x in xs:\r\n\t    if x:\r\n\t\t    return x\r\n    return None\r\n"


def test_mixed_indentation_is_spelled_in_spaces_with_the_same_blocks() -> None:
    with pytest.raises(cst.ParserSyntaxError):
        cst.parse_module(MIXED)
    mended = spaced(MIXED)
    assert mended == (
        "def f(xs):\r\n    for x in xs:\r\n            if x:\r\n"
        "                    return x\r\n    return None\r\n"
    )
    namespace: dict[str, object] = {}
    exec(compile(mended, "<mended>", "exec"), namespace)
    assert namespace["f"]([0, 0, 7]) == 7  # type: ignore[operator]
    assert Original.parse(mended).source == mended


def test_tabs_inside_a_string_that_spans_lines_are_text_and_kept() -> None:
    source = 'def f(xs):\n    for x in xs:\n\t    s = """a\n\tb"""\n    return s\n'
    expected = 'def f(xs):\n    for x in xs:\n            s = """a\n\tb"""\n    return s\n'
    assert spaced(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n\treturn 1\n",  # tabs alone: libcst reads them
        "def f():\n    return 1\n",  # no tab
        "def f(:\n\treturn 1\n",  # a syntax error is not petri's to mend
        "if True:\n        x = 1\n\ty = 2\n",  # inconsistent for CPython too (TabError)
    ],
)
def test_nothing_to_mend_gives_none(source: str) -> None:
    assert spaced(source) is None


def test_parsing_mixed_indentation_says_what_is_wrong_and_how_to_fix_it() -> None:
    with pytest.raises(ProgramError, match=r"mixes tabs and spaces.*indent it with spaces only"):
        Original.parse(MIXED)  # the swarm and the ecosystem parse without re-spacing
    with pytest.raises(ProgramError, match="not valid Python"):
        Original.parse("def f(:\n\treturn 1\n")  # a real syntax error says so, tabs or not
