"""Speciation by MinHash over AST shingles."""

from __future__ import annotations

import os
import subprocess
import sys

from petri.ecosystem.species import Speciator, shingles, signature

AND = "def organism(a, b):\n    return a & b\n"
AND_ONE = "def organism(a, b):\n    return a & b & 1\n"
OR = "def organism(x, y):\n    return x | y\n"
LOOP = (
    "def organism(xs):\n    out = []\n    for x in xs:\n        if x > 0:\n"
    "            out.append(x * 2)\n    return sorted(out)\n"
)


def test_shingles_keep_operators_and_drop_names() -> None:
    assert shingles(AND) != shingles(OR)
    assert shingles(AND) == shingles(AND.replace("a", "p").replace("b", "q"))
    assert shingles("def (:") and shingles("")


def test_similar_genomes_share_a_species_and_different_ones_do_not() -> None:
    speciator = Speciator(threshold=0.5)
    first = speciator.assign("and", AND)
    assert first == 0
    assert speciator.assign("and1", AND_ONE) == first
    assert speciator.assign("loop", LOOP) == 1
    assert speciator.assign("and", LOOP) == first  # a known genome keeps its species
    assert speciator.count == 2 and speciator.species_of("loop") == 1
    assert speciator.species_of("unknown") is None


def test_a_restored_speciator_assigns_as_the_original_would() -> None:
    one = Speciator()
    for i, source in enumerate([AND, LOOP]):
        one.assign(str(i), source)
    two = Speciator.from_json(one.to_json())
    for gid, source in [("x", AND_ONE), ("y", OR), ("z", LOOP + "\n# more\n")]:
        assert two.assign(gid, source) == one.assign(gid, source)
    assert two.to_json() == one.to_json()


def test_signatures_are_the_same_in_every_process() -> None:
    here = signature(LOOP).hashvalues.tolist()
    code = (
        "from petri.ecosystem.species import signature\n"
        f"print(signature({LOOP!r}).hashvalues.tolist())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(here)
