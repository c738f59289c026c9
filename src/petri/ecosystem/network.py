"""The interaction network between species (networkx): who shares genes, goods and cells.

Edges are undirected and weighted, one weight per kind of interaction on the same edge:
``gene_transfer`` (a birth took genes from a cellmate of the other species), ``public_good``
(a producer fed organisms of the other species in its cell) and ``competition`` (the two
species share cells). Communities are found on the total weight with Louvain (seeded).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

KINDS = ("gene_transfer", "public_good", "competition")


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

    def summary(self) -> dict[str, Any]:
        edges = {k: 0 for k in KINDS}
        for _, _, data in self._graph.edges(data=True):
            for k in KINDS:
                edges[k] += int(data[k] > 0)
        return {
            "nodes": self._graph.number_of_nodes(),
            "edges": edges,
            "communities": len(self.communities()),
        }

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
