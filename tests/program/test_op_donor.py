"""Donor operators and the donors they draw on: code lent by other solutions of the task."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from edit_kit import program, site_at

from petri.errors import ConfigError
from petri.program.donors import MAX_DONOR_BYTES, MAX_DONORS_BYTES, read_donor_folder
from petri.program.edits import Edit, Original
from petri.program.operators import OPERATORS

# Counts the distinct items, with a bug: it counts every item.
BUGGY = program(
    """
    def distinct(items):
        seen = []
        for item in items:
            seen.append(item)
        return len(seen)


    def unwritten(values, key):
        return
    """
)
# The same task, solved with other names; plus a function the program does not define.
DONOR = program(
    """
    def distinct(xs):
        '''How many different values xs holds.'''
        found = []
        for x in xs:
            if x not in found:
                found.append(x)
        return len(found)


    def unwritten(vs, k):
        return [v for v in vs if v != k]


    def elsewhere(a):
        return a
    """
)


def statements(original: Original, name: str) -> set[str]:
    return {s for i in original.donors.by_function[name] for s in i.statements}


def test_donor_code_takes_the_programs_parameter_and_local_names() -> None:
    original = Original.parse(BUGGY, [DONOR])
    assert sorted(original.donors.by_function) == ["distinct", "unwritten"]
    lent = statements(original, "distinct")
    assert "if item not in seen:\n    seen.append(item)" in lent
    assert "return len(seen)" in lent
    assert not any("found" in code or "How many" in code for code in lent)  # no docstring
    (body,) = (i.body for i in original.donors.by_function["unwritten"])
    assert body == "return [v for v in values if v != key]"


def test_only_functions_of_the_same_name_and_arity_lend_and_broken_donors_are_skipped() -> None:
    other_arity = "def distinct(xs, ys):\n    return 0\n"
    original = Original.parse(BUGGY, [other_arity, "def distinct(:\n", "\x00binary"])
    assert not original.donors
    assert not Original.parse(BUGGY).donors


def test_donor_stmt_puts_a_lent_statement_in_place_before_or_after() -> None:
    original = Original.parse(BUGGY, [DONOR])
    site = site_at(original, "stmt", "seen.append(item)")
    results: dict[tuple[object, ...], str] = {}
    for seed in range(300):
        edit = OPERATORS["donor_stmt"](original, site, random.Random(seed))
        assert edit is not None and edit.op == "donor_stmt"
        edited = original.apply([edit])
        if edited is not None:
            results[edit.args] = edited
    assert {where for _, where in results} == {"replace", "before", "after"}
    repaired = results[("if item not in seen:\n    seen.append(item)", "replace")]
    space: dict[str, object] = {}
    exec(compile(repaired, "<repaired>", "exec"), space)
    assert space["distinct"]([1, 2, 1, 3, 2]) == 3  # type: ignore[operator]


def test_donor_body_rewrites_an_unwritten_function() -> None:
    original = Original.parse(BUGGY, [DONOR])
    site = site_at(original, "stmt", "return")
    edit = OPERATORS["donor_body"](original, site, random.Random(0))
    assert edit == Edit("donor_body", site.index, ("return [v for v in values if v != key]",))
    edited = original.apply([edit])
    assert edited is not None
    assert "def unwritten(values, key):\n    return [v for v in values if v != key]\n" in edited
    assert edited.startswith(BUGGY.split("\n\n\n")[0])  # the other function is untouched


def test_donor_body_replaces_the_whole_body_only_from_a_statement_of_that_body() -> None:
    original = Original.parse(BUGGY, [DONOR])
    nested = site_at(original, "stmt", "seen.append(item)")
    assert OPERATORS["donor_body"](original, nested, random.Random(0)) is None
    top = site_at(original, "stmt", "return len(seen)")
    edit = OPERATORS["donor_body"](original, top, random.Random(0))
    assert edit is not None
    edited = original.apply([edit])
    assert edited is not None and "seen = []" not in edited and "if x not in found" in edited
    # An untrusted edit naming a nested statement does not fit.
    assert original.apply([Edit("donor_body", nested.index, edit.args)]) is None


def test_donor_edits_apply_without_the_donors_so_a_stored_run_replays() -> None:
    with_donors = Original.parse(BUGGY, [DONOR])
    site = site_at(with_donors, "stmt", "return")
    edit = OPERATORS["donor_body"](with_donors, site, random.Random(0))
    assert edit is not None
    assert Original.parse(BUGGY).apply([edit]) == with_donors.apply([edit])


@pytest.mark.parametrize(
    "edit",
    [
        Edit("donor_stmt", 1, ("def (:", "replace")),
        Edit("donor_stmt", 1, ("x = 1", "inside")),
        Edit("donor_stmt", 1, ("", "before")),
        Edit("donor_stmt", 1, ("x = 1\ny = 2", "before")),
        Edit("donor_stmt", 1, (3, "before")),
        Edit("donor_body", 1, ("return 1", "extra")),
        Edit("donor_stmt", 1, ("import os\nos.system('x')", "before", 3)),
    ],
)
def test_bad_donor_edits_do_not_fit(edit: Edit) -> None:
    assert Original.parse(BUGGY).apply([edit]) is None


def test_no_donor_operator_applies_without_donors() -> None:
    original = Original.parse(BUGGY)
    for site in original.sites:
        for op in ("donor_stmt", "donor_body"):
            assert OPERATORS[op](original, site, random.Random(0)) is None


def test_a_donor_folder_is_read_in_name_order_skipping_what_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text(DONOR)
    (tmp_path / "a.py").write_text("def distinct(xs):\n    return len(set(xs))\n")
    (tmp_path / "broken.py").write_text("def distinct(:\n")
    (tmp_path / "binary.py").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "notes.txt").write_text("not python")
    assert read_donor_folder(tmp_path) == [
        "def distinct(xs):\n    return len(set(xs))\n",
        DONOR,
    ]


def test_bad_donor_folders_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        read_donor_folder(tmp_path / "missing")
    with pytest.raises(ConfigError, match="no Python file that parses"):
        read_donor_folder(tmp_path)
    (tmp_path / "huge.py").write_text("x = 1\n" * (MAX_DONOR_BYTES // 6 + 1))
    with pytest.raises(ConfigError, match="at most 64,000 bytes"):
        read_donor_folder(tmp_path)
    (tmp_path / "huge.py").unlink()
    for number in range(MAX_DONORS_BYTES // MAX_DONOR_BYTES + 1):
        (tmp_path / f"big_{number}.py").write_text("x = 1\n" * (MAX_DONOR_BYTES // 6 - 1))
    with pytest.raises(ConfigError, match="recorded with the run"):
        read_donor_folder(tmp_path)
