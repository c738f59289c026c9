"""Per-test coverage lines, as a candidate's child reports them: bounded and checked before
anyone keeps them. The jailed worker imports this module, so it imports nothing itself."""

from __future__ import annotations

#: Per-test coverage is the candidate's own report, so it is bounded before anyone keeps it:
#: lines per test, and lines per evaluation (the worker's reply must stay one frame).
MAX_TEST_LINES = 20_000
MAX_COVERAGE_LINES = 200_000


def program_lines(source: str) -> int:
    """An upper bound of the line numbers Python gives ``source`` (it splits on fewer
    characters than ``str.splitlines``)."""
    return len(source.splitlines())


def covered_lines(raw: object, max_line: int, room: int) -> tuple[int, ...] | None:
    """The valid part of a reported line list: sorted distinct ints in ``1..max_line``, at
    most ``min(room, MAX_TEST_LINES)`` of them; ``None`` when ``raw`` is not a list."""
    if not isinstance(raw, list):
        return None
    lines = sorted({n for n in raw if type(n) is int and 1 <= n <= max_line})
    return tuple(lines[: max(0, min(room, MAX_TEST_LINES))])
