"""The genome table: identity, births by mutation, transfer and crossover, snapshots."""

from __future__ import annotations

import ast

from petri.ecosystem.genomes import VARIANTS, Genomes, founders_table, size_of
from petri.ecosystem.judge import Phenotype

PLUS = "def organism(a, b):\n    return a + b\n"
SAME_PLUS = "def organism(a, b):\n    # comments do not make a new genome\n    return (a + b)\n"
TWO = "def organism(a, b):\n    c = a & b\n    return c | 1\n"


def test_the_same_program_is_one_genome() -> None:
    table = Genomes()
    assert table.add(PLUS) == 0
    assert table.add(SAME_PLUS) == 0
    assert table.add(TWO, parents=(0,), tick=4) == 1
    assert len(table) == 2 and table.parents[1] == (0,) and table.born[1] == 4
    assert table.pending() == [0, 1]


def test_a_mutant_is_valid_code_and_the_same_for_the_same_draw() -> None:
    one, two = founders_table([PLUS, TWO]), founders_table([TWO, PLUS])
    made = {one.sources[one.child("mutant", 0, 0, j, 1)] for j in range(VARIANTS)}
    again = {two.sources[two.child("mutant", 1, 1, j, 1)] for j in range(VARIANTS)}
    assert made == again  # a pure function of the genome and the draw, not of table order
    assert len(made) > 1
    for source in made:
        ast.parse(source)
    assert one.known_child("mutant", 0, 0, 0) is not None
    assert one.known_child("mutant", 0, 0, VARIANTS + 5) is None


def test_a_transfer_lends_a_statement_of_the_donor() -> None:
    table = founders_table([PLUS, TWO])
    children = {table.sources[table.child("transfer", 0, 1, j, 1)] for j in range(VARIANTS)}
    lent = [s for s in children if "&" in s]
    assert lent, children  # the donor's `a & b` statement reached the recipient
    assert table.child("transfer", 0, 0, 0, 1) == 0  # from itself: nothing new


def test_a_crossover_joins_the_head_of_one_body_to_the_tail_of_another() -> None:
    table = founders_table([PLUS, TWO])
    children = {table.sources[table.child("crossover", 1, 0, j, 1)] for j in range(VARIANTS)}
    assert any("c = a & b" in s and "return a + b" in s for s in children), children


def test_arrays_treat_unjudged_genomes_as_doing_nothing() -> None:
    table = founders_table([PLUS, TWO])
    table.phenotypes[1] = Phenotype(0b101, 40)
    tasks, ops = table.arrays()
    assert tasks.tolist() == [0, 5] and ops.tolist() == [0.0, 40.0]
    assert table.size_array().tolist() == [size_of(PLUS), size_of(TWO)]


def test_the_table_round_trips_with_its_birth_cache() -> None:
    table = founders_table([PLUS, TWO])
    table.phenotypes[0] = Phenotype(1, 9)
    child = table.child("mutant", 0, 0, 3, 2)
    back = Genomes.from_json(table.to_json())
    assert back.ids == table.ids and back.sources == table.sources
    assert back.phenotypes[0] == Phenotype(1, 9)
    assert back.known_child("mutant", 0, 0, 3) == child


def test_size_counts_syntax_nodes() -> None:
    assert size_of(TWO) > size_of(PLUS) > 1
    assert size_of("def (:") == 1


def test_organisms_mutate_with_a_fixed_list_of_known_operators() -> None:
    from petri.ecosystem.genomes import MUTATION_OPS
    from petri.program.operators import DONOR_OPS, OPERATORS

    assert set(MUTATION_OPS) <= set(OPERATORS) - DONOR_OPS
    assert len(set(MUTATION_OPS)) == len(MUTATION_OPS)
