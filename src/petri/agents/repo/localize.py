"""Fault localization over a whole repository: which file and function each failing test
points at, from per-file line coverage of the whole suite (Ochiai).

A line's suspiciousness is ``failed(l) / sqrt(F * (failed(l) + passed(l)))``: high when the
failing tests run it and the passing ones do not. It is computed twice: over every failing
test, and over each group of failing tests that ran alike (``failure_groups``: with several
bugs, each group points at its own). Each failing test goes to the most suspicious line it ran
by whichever of the two rankings is surer (the higher top score: one bug behind every failure
is seen best over all of them, several bugs best per group); ties go to the file more of the
repository depends on, since a fix there lands first. Failing tests are then grouped by
(file, function): one repair task each.

With several bugs, a test's most suspicious line is not always where its bug is (a line only
failing tests run may sit in a module the buggy one calls). Each cluster therefore also names
its alternatives: the other files its tests ran, best first by the most suspicious line there,
which a planner tries when a repair of the first file fails.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from petri.agents.repo.failure_groups import failure_groups
from petri.agents.repo.imports import enclosing, import_graph, spans
from petri.sandbox.outcome import Evaluation, TestOutcome

BAD = frozenset({TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.TIMEOUT})
#: Passing tests kept as one file's guards (the regression check of a task on it).
MAX_GUARDS = 400
#: Other files a cluster names, to try when a repair of its first file fails.
MAX_ALTERNATIVES = 2

#: A place a failing test points at: (file, line).
Place = tuple[str, int]


def outcomes(evaluation: Evaluation) -> tuple[list[str], list[str], dict[str, str]]:
    """(passed, failed, message by failed test) of one evaluation."""
    passed = [t.name for t in evaluation.tests if t.outcome is TestOutcome.PASSED]
    failed = [t.name for t in evaluation.tests if t.outcome in BAD]
    messages = {t.name: t.message[:300] for t in evaluation.tests if t.outcome in BAD}
    return passed, failed, messages


def localize(
    evaluation: Evaluation, texts: Mapping[str, str], modules: Mapping[str, str]
) -> dict[str, Any]:
    """The analysis of one whole-suite run: outcomes, clusters of failures, guards, graph."""
    passed, failed, messages = outcomes(evaluation)
    coverage = evaluation.file_coverage
    graph = import_graph(texts, modules)
    weight = {rel: len(graph.in_edges(rel)) + len(_ancestors(graph, rel)) for rel in texts}
    clusters, unlocalized = _clusters(coverage, passed, failed, texts, weight)
    covering: dict[str, list[str]] = defaultdict(list)
    for test in passed:
        for rel in coverage.get(test, {}):
            if len(covering[rel]) < MAX_GUARDS:
                covering[rel].append(test)
    return {
        "passed": passed,
        "failed": failed,
        "messages": messages,
        "clusters": clusters,
        "unlocalized": unlocalized,
        "covering": dict(covering),
        "graph": sorted([a, b] for a, b in graph.edges),
    }


def _clusters(
    coverage: Mapping[str, Mapping[str, Any]],
    passed: list[str],
    failed: list[str],
    texts: Mapping[str, str],
    weight: Mapping[str, int],
) -> tuple[list[dict[str, Any]], list[str]]:
    """The failing tests by the (file, function) they point at, and those that ran nothing."""
    overall = _ochiai(coverage, passed, failed)
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    others: dict[tuple[str, str], dict[str, tuple[float, str]]] = defaultdict(dict)
    unlocalized = []
    for group in failure_groups(coverage, passed, failed):
        own = _ochiai(coverage, passed, group)
        for test in group:
            ran = coverage.get(test, {})
            places = _surer(_ranked(ran, overall, weight), _ranked(ran, own, weight))
            if not places:
                unlocalized.append(test)
                continue
            (rel, line), _ = places[0]
            key = (rel, enclosing(spans(texts[rel]), line))
            found[key].append(test)
            for (other, at), score in places[1:]:
                best = others[key].get(other)
                if best is None or score > best[0]:
                    others[key][other] = (score, enclosing(spans(texts[other]), at))
    order = {test: n for n, test in enumerate(failed)}
    clusters: list[dict[str, Any]] = [
        {
            "file": rel,
            "function": fn,
            "tests": sorted(tests, key=order.__getitem__),
            "alternatives": _alternatives(others[(rel, fn)], rel),
        }
        for (rel, fn), tests in sorted(found.items())
    ]
    return clusters, sorted(unlocalized, key=order.__getitem__)


def _ancestors(graph: Any, rel: str) -> set[str]:
    import networkx as nx

    return set(nx.ancestors(graph, rel))


def _ochiai(
    coverage: Mapping[str, Mapping[str, Any]], passed: list[str], failed: list[str]
) -> dict[tuple[str, int], float]:
    counts: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for index, tests in ((0, failed), (1, passed)):
        for test in tests:
            for rel, lines in coverage.get(test, {}).items():
                for line in lines:
                    counts[(rel, int(line))][index] += 1
    total_failed = max(1, len(failed))
    return {
        key: bad / math.sqrt(total_failed * (bad + good))
        for key, (bad, good) in counts.items()
        if bad
    }


def _ranked(
    ran: Mapping[str, Any],
    suspicion: Mapping[tuple[str, int], float],
    weight: Mapping[str, int],
) -> list[tuple[Place, float]]:
    """The files a failing test ran, each by its most suspicious line, most suspicious first
    (ties: the file more of the repository depends on, then the name and the earlier line)."""
    best: dict[str, tuple[float, int, str, int]] = {}
    for rel, lines in ran.items():
        for line in lines:
            score = suspicion.get((rel, int(line)), 0.0)
            key = (score, weight.get(rel, 0), rel, -int(line))
            if score > 0 and (rel not in best or key > best[rel]):
                best[rel] = key
    ordered = sorted(best.values(), reverse=True)
    return [((rel, -negative), score) for score, _, rel, negative in ordered]


def _surer(
    overall: list[tuple[Place, float]], own: list[tuple[Place, float]]
) -> list[tuple[Place, float]]:
    """The ranking whose top is surer first (ties: the ranking over every failure), then the
    other's places: a test's alternatives include where the other ranking points."""
    if own and (not overall or own[0][1] > overall[0][1]):
        return own + overall
    return overall + own


def _alternatives(others: Mapping[str, tuple[float, str]], rel: str) -> list[dict[str, str]]:
    ranked = sorted(others.items(), key=lambda item: (-item[1][0], item[0]))
    return [{"file": f, "function": fn} for f, (_, fn) in ranked if f != rel][:MAX_ALTERNATIVES]
