"""Coverage lines a candidate reports: bounded and checked before anyone keeps them."""

from __future__ import annotations

from pathlib import Path

from petri.sandbox.lines import (
    MAX_TEST_LINES,
    covered_files,
    covered_lines,
    file_lines,
    measured_files,
    program_lines,
    reported_line,
)


def test_program_lines_is_an_upper_bound_of_python_line_numbers() -> None:
    source = "a = 1\nb = '\x0c'\n\nc = 3"  # a form feed splits for str.splitlines, not Python
    assert program_lines(source) >= 4
    assert program_lines("") == 0


def test_a_reported_crash_line_is_believed_only_as_a_line_number() -> None:
    assert reported_line(12) == 12
    for forged in (0, -3, True, 12.0, "12", [12], None, 1 << 40):
        assert reported_line(forged) == 0


def test_covered_lines_keeps_sorted_distinct_ints_in_range() -> None:
    raw = [5, 3, 3, True, "2", 2.0, 0, -1, 11, 1]
    assert covered_lines(raw, max_line=10, room=100) == (1, 3, 5)


def test_covered_lines_refuses_what_is_not_a_list() -> None:
    assert covered_lines("1,2", max_line=10, room=100) is None
    assert covered_lines({1: 2}, max_line=10, room=100) is None


def test_covered_lines_keeps_at_most_the_room_left_and_the_per_test_bound() -> None:
    many = list(range(1, MAX_TEST_LINES + 100))
    assert covered_lines(many, max_line=10**9, room=3) == (1, 2, 3)
    assert len(covered_lines(many, max_line=10**9, room=10**9) or ()) == MAX_TEST_LINES
    assert covered_lines([1, 2], max_line=10, room=-5) == ()


def test_covered_files_keeps_only_known_files_within_their_lines_and_the_room() -> None:
    raw = {"a.py": [1, 2, 99], "b.py": [3, 1], "c.py": [1], "d.py": "1", "e.py": [0]}
    known = {"a.py": 10, "b.py": 5, "d.py": 5, "e.py": 5}
    assert covered_files(raw, known, room=100) == {"a.py": (1, 2), "b.py": (1, 3)}
    assert covered_files(raw, known, room=3) == {"a.py": (1, 2), "b.py": (1,)}
    assert covered_files([["a.py", [1]]], known, room=100) is None


def test_measured_files_put_the_candidate_in_place_of_the_original() -> None:
    sources = {"/p/prog.py": ("prog.py", 3), "/p/util.py": ("util.py", 7)}
    paths, bounds = measured_files(sources, "prog.py", "/tmp/c/prog.py", "a\nb\nc\nd\ne\n")
    assert paths == {"/p/util.py": "util.py", "/tmp/c/prog.py": "prog.py"}
    assert bounds == {"util.py": 7, "prog.py": 5}


def test_file_lines_counts_a_file_and_is_zero_when_it_cannot(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1\ny = 2\n")
    assert file_lines(str(tmp_path / "m.py")) == 2
    assert file_lines(str(tmp_path / "missing.py")) == 0
