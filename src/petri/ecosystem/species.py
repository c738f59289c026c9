"""Speciation by genome similarity: MinHash signatures of AST shingles.

A genome's shingles are the k-grams of its syntax tree's node types in pre-order (names and
constants left out, operators kept: ``a & b`` and ``a | b`` differ). Their MinHash signature
(datasketch, a fixed seed and a hash that does not depend on ``PYTHONHASHSEED``) estimates the
Jaccard similarity of two genomes in constant time. A new genome joins the species whose
founding genome (its representative) is most similar, at least ``threshold``, else founds a
new species. MinHashLSH finds the candidate species; the choice among them is made on the
estimates, ties to the oldest species, so it never depends on the index's iteration order.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

_SEED = 1
_TOKEN = re.compile(r"\w+|[^\w\s]")


def shingles(source: str, k: int = 3) -> set[str]:
    """The k-grams of the genome's node types in pre-order (its tokens when it does not
    parse); never empty."""
    try:
        kinds = [_kind(node) for node in _preorder(ast.parse(source))]
    except (SyntaxError, ValueError, RecursionError):
        kinds = _TOKEN.findall(source)
    if len(kinds) < k:
        return {"|".join(kinds) or "<empty>"}
    return {"|".join(kinds[i : i + k]) for i in range(len(kinds) - k + 1)}


def _preorder(node: ast.AST) -> list[ast.AST]:
    out = [node]
    for child in ast.iter_child_nodes(node):
        out.extend(_preorder(child))
    return out


def _kind(node: ast.AST) -> str:
    return type(node).__name__


def signature(source: str, num_perm: int = 64) -> LeanMinHash:
    """The genome's MinHash signature (the same in every process)."""
    found = MinHash(num_perm=num_perm, seed=_SEED)
    found.update_batch([s.encode("utf-8") for s in sorted(shingles(source))])
    return LeanMinHash(found)


class Speciator:
    """Assigns each genome a species id (0, 1, 2... in order of creation), once."""

    def __init__(self, threshold: float = 0.5, num_perm: int = 64) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self._of: dict[str, int] = {}
        self._heads: list[LeanMinHash] = []  # each species' representative signature
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)

    @property
    def count(self) -> int:
        return len(self._heads)

    def species_of(self, genome_id: str) -> int | None:
        return self._of.get(genome_id)

    def assign(self, genome_id: str, source: str) -> int:
        """The species of the genome: a known genome keeps its own; a new one joins the most
        similar species (at least ``threshold``) or founds one."""
        known = self._of.get(genome_id)
        if known is not None:
            return known
        mine = signature(source, self.num_perm)
        candidates = sorted(int(key) for key in self._lsh.query(mine))
        best, best_score = -1, self.threshold
        for species in candidates:
            score = float(mine.jaccard(self._heads[species]))
            if score > best_score or (score == best_score and best < 0):
                best, best_score = species, score
        if best < 0:
            best = len(self._heads)
            self._heads.append(mine)
            self._lsh.insert(str(best), mine)
        self._of[genome_id] = best
        return best

    def to_json(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "num_perm": self.num_perm,
            "of": self._of,
            "scheme": self._heads[0].scheme if self._heads else None,
            "heads": [h.hashvalues.tolist() for h in self._heads],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Speciator:
        made = cls(float(data["threshold"]), int(data["num_perm"]))
        for values in data["heads"]:
            hashes = np.array(values, dtype=np.uint64)
            head = LeanMinHash(seed=_SEED, hashvalues=hashes, scheme=data["scheme"])
            made._lsh.insert(str(len(made._heads)), head)
            made._heads.append(head)
        made._of = {str(k): int(v) for k, v in data["of"].items()}
        return made
