"""Inputs for the shadow test: neighbours of recorded calls and examples from type hints."""

from __future__ import annotations

import ast

from petri.evolve.shadow_inputs import Recorded, generate, neighbours, sorted_slots

SOURCE = """
def discount(total: int) -> int:
    return total


def untyped(x):
    return x


def _private(x: int) -> int:
    return x
"""


def test_neighbours_are_one_step_away_and_of_the_same_type() -> None:
    assert neighbours(5) == [4, 6, 0, -5]
    assert neighbours(True) == [False]
    assert neighbours("ab") == ["", "ba", "aba", "b"]
    assert [] in neighbours([3, 1]) and [1, 3] in neighbours([3, 1]) and [3] in neighbours([3, 1])
    assert all(isinstance(t, tuple) for t in neighbours((1, 2)))
    assert neighbours(None) == []
    assert 0 not in neighbours(0)


def test_a_list_of_records_keeps_its_records_whole() -> None:
    # Tuples of one length in a list are records (name, age): the first is moved field by
    # field, never shortened to ("F",), an input no caller makes.
    people = [("F", 19), ("M", 23)]
    moved = neighbours(people)
    assert [("", 19), ("M", 23)] in moved and [("F", 18), ("M", 23)] in moved
    assert all(len(t) == 2 for other in moved if isinstance(other, list) for t in other)
    # A tuple given as an argument is still a sequence, and so are tuples of mixed lengths.
    assert (1, 2) in neighbours((1, 2, 3))
    assert [(), (2, 3)] in neighbours([(1,), (2, 3)])


def test_inputs_near_passing_tests_are_trusted_and_recorded_calls_are_not_repeated() -> None:
    recorded = [
        Recorded("discount", "((50,), {})", "t::small", True),
        Recorded("discount", "((100,), {})", "t::edge", False),
    ]
    inputs = generate(recorded, "", seed=0, limit=100)
    by_args = {ast.literal_eval(i.args)[0][0]: i for i in inputs if i.origin == "neighbour"}
    assert by_args[51].trusted and by_args[49].trusted
    assert not by_args[101].trusted and not by_args[99].trusted
    assert by_args[0].trusted  # near both: the passing test vouches for it
    assert 50 not in by_args and 100 not in by_args


def test_type_hints_give_the_same_examples_every_time() -> None:
    first = generate([], SOURCE, seed=0, limit=100)
    assert first and {i.function for i in first} == {"discount"}
    assert all(i.origin == "hints" and not i.trusted for i in first)
    assert all(isinstance(ast.literal_eval(i.args)[0][0], int) for i in first)
    assert generate([], SOURCE, seed=0, limit=100) == first


def test_a_limit_keeps_a_seeded_sample() -> None:
    recorded = [Recorded("f", f"(([{n}, {n + 1}, 7],), {{}})", "t", True) for n in range(10)]
    everything = generate(recorded, "", seed=0, limit=1000)
    some = generate(recorded, "", seed=4, limit=20)
    assert len(some) == 20 and set(some) <= set(everything)
    assert generate(recorded, "", seed=4, limit=20) == some


def test_a_neighbour_unsorted_where_the_tests_only_passed_sorted_lists_is_not_trusted() -> None:
    recorded = [
        Recorded("merge", "(([1, 4, 6], [2, 3]), {})", "t::a", True),
        Recorded("merge", "(([1, 2, 2], []), {})", "t::b", True),
        Recorded("merge", "(([], [7]), {})", "t::c", True),
    ]
    assert sorted_slots(recorded) == {("merge", 0)}  # one list of two items or more: not 1
    inputs = generate(recorded, "", seed=0, limit=1000)
    by_args = {i.args: i for i in inputs}
    assert not by_args["(([6, 4, 1], [2, 3]), {})"].trusted  # reversed
    assert by_args["(([1, 4], [2, 3]), {})"].trusted  # shortened: still sorted
    assert by_args["(([1, 4, 6], [3, 2]), {})"].trusted  # slot 1 is not known to be sorted
    mixed = [*recorded, Recorded("merge", "(([2, 1], []), {})", "t::d", False)]
    assert sorted_slots(mixed) == frozenset()  # a test passed an unsorted list
    named = [Recorded("f", f"((), {{'xs': [{n}, {n + 1}]}})", "t", True) for n in range(2)]
    assert sorted_slots(named) == {("f", "xs")}


def test_an_argument_list_that_is_no_args_kwargs_pair_gives_nothing() -> None:
    odd = [Recorded("f", text, "t", True) for text in ("(1, {})", "5", "([1], [2])", "((", "")]
    assert sorted_slots(odd) == frozenset()
    assert generate(odd, "", seed=0, limit=100) == []
