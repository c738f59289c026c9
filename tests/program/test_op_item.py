"""``item_insert``: a record's field where the whole record was used."""

from __future__ import annotations

import random

from edit_kit import outcomes, program, repairs, sites_at

from petri.program.edits import Edit, Original
from petri.program.operators import OPERATORS, echo

OLDEST = program(
    """
    def oldest(people):
        best = people[0]
        for person in people:
            if person > best:
                best = person
        return best
    """
)


def test_item_insert_takes_the_first_second_or_last_field() -> None:
    found = outcomes("def f(p):\n    return p\n", "item_insert", "expr", "p")
    assert found == {
        (0,): "def f(p):\n    return p[0]\n",
        (1,): "def f(p):\n    return p[1]\n",
        (-1,): "def f(p):\n    return p[-1]\n",
    }


def test_item_insert_with_its_echo_compares_records_by_one_field() -> None:
    original = Original.parse(OLDEST)
    (person,) = sites_at(original, "bound", "person")
    edit = Edit("item_insert", person.index, (1,))
    twin = echo(original, edit, random.Random(0))
    assert twin is not None
    fixed = original.apply([edit, twin])
    assert fixed is not None and "if person[1] > best[1]:" in fixed
    namespace: dict[str, object] = {}
    exec(compile(fixed, "<program>", "exec"), namespace)
    assert namespace["oldest"]([("M", 3), ("F", 9)]) == ("F", 9)  # type: ignore[operator]


def test_item_insert_alone_repairs_a_return_of_the_whole_record() -> None:
    buggy = program(
        """
        def age_of_first(people):
            first = people[0]
            return first
        """
    )
    check = lambda ns: ns["age_of_first"]([("M", 3)]) == 3  # noqa: E731
    assert repairs(buggy, "item_insert", "expr", "first", check) == [
        "return first[-1]",
        "return first[1]",
    ]


def test_item_insert_leaves_constants_and_other_nodes_alone() -> None:
    original = Original.parse("def f(x):\n    return None + x\n")
    rng = random.Random(0)
    proposed = {
        original.module.code_for_node(site.node)
        for site in original.sites
        if OPERATORS["item_insert"](original, site, rng) is not None
    }
    assert proposed == {"x"}
