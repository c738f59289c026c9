"""Failing tests grouped by what they ran, so that each group can be localized on its own.

With several bugs, one ranking over every failing test mixes their evidence: a path that all
of them share (a parser every test calls) outranks each bug's own lines. Grouping the failing
tests first and ranking once per group ("debugging in parallel", Jones, Bowring and Harrold,
ISSTA 2007) lets each group point at its own bug.

A failing test is described by the lines it ran, each weighted by how rarely the passing tests
run it (``1 / sqrt(1 + passing runs)``: its Ochiai score were it the only failing test), so
shared plumbing weighs little and the lines only failures reach weigh most. Two tests are as
similar as the cosine of their vectors; the groups are the Louvain communities of that
similarity graph (networkx, fixed seed: the same suite gives the same groups).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

#: Above this many failing tests the pairwise similarity is not computed (its cost grows with
#: the square); the failures are then ranked together, as one group.
MAX_GROUPED = 2000


def failure_groups(
    coverage: Mapping[str, Mapping[str, Sequence[int]]], passed: list[str], failed: list[str]
) -> list[list[str]]:
    """The failing tests in groups of similar behaviour, each sorted, in a stable order."""
    if len(failed) < 3 or len(failed) > MAX_GROUPED:
        return [sorted(failed)] if failed else []
    vectors = _weighted_lines(coverage, passed, failed)
    similarity = vectors @ vectors.T
    graph = nx.Graph()
    graph.add_nodes_from(range(len(failed)))
    rows, cols = np.nonzero(np.triu(similarity, k=1) > 0)
    graph.add_weighted_edges_from(
        (int(i), int(j), float(similarity[i, j])) for i, j in zip(rows, cols, strict=True)
    )
    communities = nx.community.louvain_communities(graph, weight="weight", seed=0)
    groups = [sorted(failed[i] for i in community) for community in communities]
    return sorted(groups)


def _weighted_lines(
    coverage: Mapping[str, Mapping[str, Sequence[int]]], passed: list[str], failed: list[str]
) -> Any:
    """One row per failing test, unit length over every line it ran, kept only at the lines
    two or more failing tests ran (a line one test ran alone adds nothing to a dot product,
    and dropping it keeps the matrix small on a large repository)."""
    passing_runs: dict[tuple[str, int], int] = {}
    for test in passed:
        for rel, lines in coverage.get(test, {}).items():
            for line in lines:
                passing_runs[(rel, int(line))] = passing_runs.get((rel, int(line)), 0) + 1
    ran: list[dict[tuple[str, int], float]] = []
    shared: dict[tuple[str, int], int] = {}
    for test in failed:
        keys = {(rel, int(n)) for rel, ns in coverage.get(test, {}).items() for n in ns}
        ran.append({key: 1 / math.sqrt(1 + passing_runs.get(key, 0)) for key in keys})
        for key in keys:
            shared[key] = shared.get(key, 0) + 1
    columns = {key: n for n, key in enumerate(k for k, count in shared.items() if count > 1)}
    matrix = np.zeros((len(failed), max(1, len(columns))), dtype=np.float32)
    for row, weights in enumerate(ran):
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for key, w in weights.items():
            if key in columns:
                matrix[row, columns[key]] = w / norm
    return matrix
