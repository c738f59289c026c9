"""Line diffs and three-way merges of repository files (merge3 does the merging)."""

from __future__ import annotations

import difflib

import merge3


def unified(before: str, after: str, rel: str) -> str:
    """A unified diff of one file with ``a/`` and ``b/`` headers (empty when equal)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{rel}",
        tofile=f"b/{rel}",
    )
    return "".join(
        line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines
    )


def changed_lines(before: str, after: str) -> int:
    """Lines removed plus lines added."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return sum(
        (i2 - i1) + (j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )


def merge(base: str, ours: str, theirs: str) -> str | None:
    """``ours`` and ``theirs`` (both edits of ``base``) merged, or None when they conflict."""
    m = merge3.Merge3(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
    )
    if any(group[0] == "conflict" for group in m.merge_groups()):
        return None
    return "".join(m.merge_lines())
