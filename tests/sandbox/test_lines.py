"""Coverage lines a candidate reports: bounded and checked before anyone keeps them."""

from __future__ import annotations

from petri.sandbox.lines import MAX_TEST_LINES, covered_lines, program_lines


def test_program_lines_is_an_upper_bound_of_python_line_numbers() -> None:
    source = "a = 1\nb = '\x0c'\n\nc = 3"  # a form feed splits for str.splitlines, not Python
    assert program_lines(source) >= 4
    assert program_lines("") == 0


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
