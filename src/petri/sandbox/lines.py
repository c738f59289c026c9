"""Per-test coverage lines, as a candidate's child reports them: bounded and checked before
anyone keeps them. The jailed worker imports this module, so it imports nothing itself."""

from __future__ import annotations

#: Per-test coverage is the candidate's own report, so it is bounded before anyone keeps it:
#: lines per test, and lines per evaluation (the worker's reply must stay one frame).
MAX_TEST_LINES = 20_000
MAX_COVERAGE_LINES = 200_000


#: Beyond any program a search edits: a crash line past it is not believed.
MAX_LINE_NUMBER = 1 << 20


def reported_line(raw: object) -> int:
    """A test's reported crash line (``TestResult.line``) when it is a line number, else 0."""
    return raw if type(raw) is int and 1 <= raw <= MAX_LINE_NUMBER else 0


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


def covered_files(
    raw: object, max_lines: dict[str, int], room: int
) -> dict[str, tuple[int, ...]] | None:
    """The valid part of a reported ``{file: lines}`` map: only files named in ``max_lines``
    (relative path -> its line count), each checked as ``covered_lines``, at most ``room``
    lines in all; files without lines are left out. ``None`` when ``raw`` is not a dict."""
    if not isinstance(raw, dict):
        return None
    found: dict[str, tuple[int, ...]] = {}
    for name, reported in raw.items():
        limit = max_lines.get(name) if isinstance(name, str) else None
        lines = covered_lines(reported, limit, room) if limit else None
        if lines:
            found[name] = lines
            room -= len(lines)
    return found


def measured_files(
    sources: dict[str, tuple[str, int]], program: str, program_at: str, source: str
) -> tuple[dict[str, str], dict[str, int]]:
    """For per-file coverage of one candidate: measured path -> reported name, and reported
    name -> line count. ``sources`` are the problem's files (real path -> (name, line count));
    the candidate ``source``, measured at ``program_at``, takes the place of ``program``."""
    files = {path: kept for path, kept in sources.items() if kept[0] != program}
    files[program_at] = (program, max(1, program_lines(source)))
    return {path: name for path, (name, _) in files.items()}, dict(files.values())


def file_lines(path: str) -> int:
    """The line count of a source file (0 when it cannot be read), as ``program_lines``."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return program_lines(fh.read())
    except OSError:
        return 0
