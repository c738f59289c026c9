"""Helpers of the operator tests: a site by its code, what an operator does there over many
seeds, and whether an edit repairs a small buggy program."""

from __future__ import annotations

import random
import textwrap
from collections.abc import Callable
from typing import Any

from petri.program.edits import Original
from petri.program.operators import OPERATORS
from petri.program.sites import Site


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def site_at(original: Original, kind: str, code: str) -> Site:
    """The one site of ``kind`` whose code (first line, for statements) is ``code``."""
    found = sites_at(original, kind, code)
    assert len(found) == 1, [original.module.code_for_node(s.node) for s in found]
    return found[0]


def sites_at(original: Original, kind: str, code: str) -> list[Site]:
    """Every site of ``kind`` whose code (first line, for statements) is ``code``."""
    return [
        site for site in original.sites if site.kind == kind and first_line(original, site) == code
    ]


def first_line(original: Original, site: Site) -> str:
    code = original.module.code_for_node(site.node)
    return next(line.strip() for line in code.splitlines() if line.strip()[:1] not in ("", "#"))


def outcomes(source: str, op: str, kind: str, code: str) -> dict[tuple[object, ...], str]:
    """What ``op`` does at the site, over many seeds: edit args -> the edited source."""
    original = Original.parse(source)
    return outcomes_at(original, op, site_at(original, kind, code))


def outcomes_at(original: Original, op: str, site: Site) -> dict[tuple[object, ...], str]:
    """What ``op`` does at ``site``, over many seeds: edit args -> the edited source."""
    results: dict[tuple[object, ...], str] = {}
    for seed in range(150):
        edit = OPERATORS[op](original, site, random.Random(seed))
        assert edit is not None
        assert (edit.op, edit.site) == (op, site.index)
        edited = original.apply([edit])
        assert edited is not None, edit
        results[edit.args] = edited
    return results


def lines_changed(before: str, after: str) -> list[str]:
    """The lines of ``after`` that are not in ``before`` (the edit, as a reader sees it)."""
    old = set(before.splitlines())
    return [line.strip() for line in after.splitlines() if line not in old]


CLAMP = program(
    """
    LIMIT = 10


    def clamp(value, low):
        high = LIMIT
        return min(value, high)
    """
)


def behaviour(source: str, check: Callable[[dict[str, Any]], object]) -> bool:
    """Whether ``check`` holds on the namespace the program defines (an error is False)."""
    namespace: dict[str, Any] = {}
    try:
        exec(compile(source, "<program>", "exec"), namespace)
        return bool(check(namespace))
    except Exception:
        return False


def repairs(
    buggy: str, op: str, kind: str, code: str, check: Callable[[dict[str, Any]], object]
) -> list[str]:
    """The lines that the edits of ``op`` at the sites ``kind``/``code`` change to make
    ``check`` hold; asserts that the buggy program fails it and that some edit repairs it."""
    assert not behaviour(buggy, check), "the program is not buggy"
    original = Original.parse(buggy)
    fixes = [
        lines_changed(buggy, out)
        for site in sites_at(original, kind, code)
        for out in outcomes_at(original, op, site).values()
        if behaviour(out, check)
    ]
    assert fixes, f"{op} does not repair {code!r}"
    return sorted({line for fix in fixes for line in fix})
