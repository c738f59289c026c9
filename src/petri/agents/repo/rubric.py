"""How the judge scores a repository change: objective checks on the coder's evidence.

Repair: it fixes its failing tests (0.4), how many of them (0.1), it breaks no test that
passed (0.3), the patch is small (0.1), the file is no more complex (0.1). A clean one-line fix
scores 1.0 and is promoted; a fix that drags in a large, more complex patch lands in the review
band; one that breaks a test is rejected.

A change fixes its tests when it fixes some and every other one now fails otherwise than
before, or when it fixes at least two thirds of them. The tests of a task point at one spot: a
change that makes some pass and leaves others failing exactly as they did is often a special
case (``not departure >= after`` for one test of five, ``len(prices[1:][1:])`` for four of
seven), while the fix of a bug that masks another changes how every test of the masked one
fails (a journey found, now with the wrong legs), and a fix whose last test waits for another
bug's fix still fixes most of them (``first.origin`` for six of seven). A change that fixes too
little is rejected; if another bug held its tests back, the next round's analysis plans them
again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from petri.agents.models import SwarmTask
from petri.agents.rubric import Check, Rubric

Result = Mapping[str, Any]


#: Share of its failing tests a change that leaves others failing as before must fix.
MOST = 2 / 3


def fixes(task: SwarmTask, result: Result) -> tuple[float, dict[str, Any]]:
    fixed = list(result.get("fixed", []))
    still = list(result.get("still_failing", []))
    otherwise = set(result.get("failing_otherwise", []))
    evidence: dict[str, Any] = {"fixed": fixed[:100], "still_failing": still[:100]}
    if otherwise & set(still):
        evidence["failing_otherwise"] = sorted(otherwise & set(still))[:100]
    if result.get("already_passing"):  # an earlier change on this file fixed them already
        return 1.0, {**evidence, "already_passing": True}
    most = len(fixed) >= MOST * (len(fixed) + len(still))
    return (1.0 if fixed and (most or set(still) <= otherwise) else 0.0), evidence


def complete(task: SwarmTask, result: Result) -> tuple[float, dict[str, Any]]:
    targets = list(result.get("targets", []))
    still = list(result.get("still_failing", []))
    share = (len(targets) - len(still)) / len(targets) if targets else 0.0
    return share, {"passing": len(targets) - len(still), "targets": len(targets)}


def no_regression(task: SwarmTask, result: Result) -> tuple[float, dict[str, Any]]:
    broken = list(result.get("regressions", []))
    evidence = {"regressions": broken[:100], "guards": result.get("guards", 0)}
    return (0.0 if broken else 1.0), evidence


def small_patch(task: SwarmTask, result: Result) -> tuple[float, dict[str, Any]]:
    lines = int(result.get("changed_lines", 0))
    score = 1.0 if lines <= 4 else max(0.0, 1.0 - (lines - 4) / 16)
    return score, {"changed_lines": lines}


def no_more_complex(task: SwarmTask, result: Result) -> tuple[float, dict[str, Any]]:
    cc = result.get("complexity") or {}
    before, after = int(cc.get("before", 0)), int(cc.get("after", 0))
    score = 1.0 if after <= before else max(0.0, 1.0 - (after - before) / 5)
    return score, {"complexity_before": before, "complexity_after": after}


def simpler(task: SwarmTask, result: Result) -> tuple[float, dict[str, Any]]:
    cc = result.get("complexity") or {}
    before, after = int(cc.get("before", 0)), int(cc.get("after", 0))
    changed = bool(result.get("change"))
    return (1.0 if changed and after < before else 0.0), {"before": before, "after": after}


def repair_rubric(opinion: Check | None = None) -> Rubric:
    checks = [
        Check("fixes_failing_tests", 0.4, fixes),
        Check("fixes_all_targets", 0.1, complete),
        Check("no_regression", 0.3, no_regression),
        Check("small_patch", 0.1, small_patch),
        Check("no_more_complex", 0.1, no_more_complex),
    ]
    return Rubric([*checks, opinion] if opinion else checks)


def improve_rubric(opinion: Check | None = None) -> Rubric:
    checks = [
        Check("no_regression", 0.5, no_regression),
        Check("simpler", 0.3, simpler),
        Check("small_patch", 0.2, small_patch),
    ]
    return Rubric([*checks, opinion] if opinion else checks)


def model_opinion(ask: Callable[[str], tuple[float, str]], weight: float = 0.1) -> Check:
    """A model's rating of the diff in [0, 1], as one non-objective rubric item."""

    def check(task: SwarmTask, result: Result) -> tuple[float, dict[str, Any]]:
        diff = str(result.get("diff", ""))
        if not diff:
            return 0.0, {"reason": "no change to rate"}
        score, reason = ask(diff)
        return score, {"reason": reason[:500]}

    return Check("model_opinion", weight, check, objective=False)
