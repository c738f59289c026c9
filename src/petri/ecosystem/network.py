"""The interaction network between species (networkx): who shares genes, goods and cells.

Edges are undirected and weighted, one weight per kind of interaction on the same edge:
``gene_transfer`` (a birth took genes from a cellmate of the other species), ``public_good``
(a producer fed organisms of the other species in its cell) and ``competition`` (the two
species share cells). Communities are found on the total weight with Louvain (seeded).

``record`` is what a ``measures`` event keeps of the network: its counts, and a bounded view
(the heaviest ``TOP_EDGES`` edges, their species' populations and communities) for reports;
the whole graph lives only in snapshots, which a run may prune.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

KINDS = ("gene_transfer", "public_good", "competition")
#: Edges a ``measures`` event keeps: enough to draw, small enough for every event.
TOP_EDGES = 200


class Interactions:
    """A weighted graph of species; ``add`` accumulates weights per kind."""

    def __init__(self) -> None:
        self._graph = nx.Graph()

    def add(self, kind: str, a: int, b: int, weight: float = 1.0) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown interaction {kind!r}; one of {', '.join(KINDS)}")
        if a == b:
            return  # within a species: not an interaction between species
        data = self._graph.get_edge_data(a, b)
        if data is None:
            self._graph.add_edge(a, b, **{k: 0.0 for k in KINDS}, weight=0.0)
            data = self._graph.get_edge_data(a, b)
        data[kind] += weight
        data["weight"] += weight

    def graph(self) -> nx.Graph:
        return self._graph

    def communities(self, seed: int = 0) -> list[set[int]]:
        """Louvain communities on the total weights, largest first (ties by smallest id)."""
        if self._graph.number_of_edges() == 0:
            return [{n} for n in sorted(self._graph.nodes)]
        # A canonical copy (sorted nodes and edges): the same graph gives the same communities
        # however it was built, a graph restored from a snapshot included.
        canon = nx.Graph()
        canon.add_nodes_from(sorted(self._graph.nodes))
        canon.add_weighted_edges_from(
            sorted((min(a, b), max(a, b), d["weight"]) for a, b, d in self._graph.edges(data=True))
        )
        found = nx.community.louvain_communities(canon, weight="weight", seed=seed)
        return sorted((set(c) for c in found), key=lambda c: (-len(c), min(c)))

    def summary(self, communities: list[set[int]] | None = None) -> dict[str, Any]:
        """Counts of nodes, edges per kind and communities (``communities``: already found)."""
        edges = {k: 0 for k in KINDS}
        for _, _, data in self._graph.edges(data=True):
            for k in KINDS:
                edges[k] += int(data[k] > 0)
        return {
            "nodes": self._graph.number_of_nodes(),
            "edges": edges,
            "communities": len(self.communities() if communities is None else communities),
        }

    def heaviest(self, limit: int = TOP_EDGES) -> list[list[Any]]:
        """The ``limit`` heaviest edges as ``[a, b, weight, kind]`` (``a < b``; ``kind``: the
        edge's heaviest, ties in ``KINDS`` order), heaviest first, ties by ids."""
        edges = [
            [min(a, b), max(a, b), data["weight"], max(KINDS, key=lambda k: data[k])]
            for a, b, data in self._graph.edges(data=True)
        ]
        edges.sort(key=lambda e: (-e[2], e[0], e[1]))
        return edges[:limit]

    def record(self, population: Mapping[int, int], limit: int = TOP_EDGES) -> dict[str, Any]:
        """The summary plus ``top``: the heaviest edges, the population of their species
        (0: extinct) and the Louvain communities (on the whole graph) those species are in."""
        communities = self.communities()
        edges = self.heaviest(limit)
        nodes = {s for a, b, _, _ in edges for s in (a, b)}
        top = {
            "edges": edges,
            "edges_total": self._graph.number_of_edges(),
            "population": [[s, int(population.get(s, 0))] for s in sorted(nodes)],
            "communities": [sorted(c & nodes) for c in communities if c & nodes],
        }
        return {**self.summary(communities), "top": top}

    def to_json(self) -> dict[str, Any]:
        """Edges as ``[a, b, *weights per kind]`` with ``a < b``, sorted: one form per graph."""
        edges = [
            [min(a, b), max(a, b), *(data[k] for k in KINDS)]
            for a, b, data in self._graph.edges(data=True)
        ]
        return {"edges": sorted(edges)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Interactions:
        made = cls()
        for a, b, *weights in data["edges"]:
            for kind, w in zip(KINDS, weights, strict=True):
                if w:
                    made.add(kind, int(a), int(b), float(w))
        return made
