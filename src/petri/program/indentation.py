"""Indentation that CPython reads and libcst does not: tabs and spaces mixed.

CPython counts a tab to the next multiple of eight columns and accepts a file whose blocks line
up that way (``    for`` above ``\\t    if``); libcst's tokenizer refuses it ("no matching
outer block for dedent"). petri edits programs through libcst, so such a program is evolved with
the tabs of its indentation spelled as spaces: the same blocks, the same behaviour.
"""

from __future__ import annotations

import io
import tokenize

import libcst as cst

from petri.program.edits import compiles

#: CPython's tab stop when it measures indentation.
TAB_SIZE = 8
#: Tokens whose text may span lines: strings, and from Python 3.12 the text of an f-string.
_TEXT = frozenset({tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)})


def spaced(source: str) -> str | None:
    """``source`` with the tabs in its lines' indentation expanded to spaces, when CPython
    compiles it, libcst cannot parse it and the expansion cures that; None otherwise (nothing
    to mend, or something else is wrong, which parsing reports as it always did)."""
    if "\t" not in source or not compiles(source) or _parses(source):
        return None
    lines = source.splitlines(keepends=True)
    kept = _inside_strings(source)
    for number, line in enumerate(lines, 1):
        body = line.lstrip(" \t")
        if number not in kept and "\t" in line[: len(line) - len(body)]:
            lines[number - 1] = line[: len(line) - len(body)].expandtabs(TAB_SIZE) + body
    mended = "".join(lines)
    return mended if compiles(mended) and _parses(mended) else None


def _parses(source: str) -> bool:
    try:
        cst.parse_module(source)
    except cst.ParserSyntaxError:
        return False
    return True


def _inside_strings(source: str) -> set[int]:
    """The lines that continue a string begun on an earlier line: their leading whitespace is
    the string's text, not indentation."""
    inside: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in _TEXT and token.end[0] > token.start[0]:
            inside.update(range(token.start[0] + 1, token.end[0] + 1))
    return inside
