"""The lines that feed a line: assignments of what it reads, block headers, callees' returns."""

from __future__ import annotations

from edit_kit import program

from petri.program.slices import feeding

PROGRESS = program(
    """
    def filled(done, total, width):
        if total <= 0:
            raise ValueError("total")
        return min(width, done * width // total)


    def bar(done, total, width=10):
        cells = filled(done, total, width)
        unused = 3
        return "[" + "#" * cells + "-" * (width - cells) + "]"
    """
)


def test_a_line_is_fed_by_the_assignment_of_what_it_reads_and_the_helper_that_computed_it() -> None:
    # Line 10 reads cells (line 8), which a call of filled (returning on line 4) computed.
    assert feeding(PROGRESS, [10]) == {8, 4}


def test_unread_assignments_and_the_line_itself_are_left_out() -> None:
    found = feeding(PROGRESS, [10, 8])
    assert 9 not in found  # unused is never read
    assert found == {4}  # 8 is one of the lines asked about


SEARCH = program(
    """
    def search(xs, target):
        lo, hi = 0, len(xs) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if xs[mid] < target:
                lo = mid + 1
            else:
                hi = mid - 1
        return -1
    """
)


def test_the_headers_of_the_blocks_that_hold_a_line_feed_it() -> None:
    # hi = mid - 1 (line 8) runs under the while (3) and the if (5); it reads mid (line 4).
    assert feeding(SEARCH, [8]) == {3, 4, 5}


def test_a_loop_body_line_is_fed_by_every_assignment_of_a_name_it_reads() -> None:
    # mid = (lo + hi) // 2 reads lo and hi, assigned on lines 2, 6 and 8.
    assert feeding(SEARCH, [4]) == {2, 3, 6, 8}


def test_a_header_feeds_on_what_its_condition_reads_not_on_its_body() -> None:
    assert feeding(SEARCH, [3]) == {2, 6, 8}


def test_lines_outside_every_statement_and_unparsable_programs_have_no_feeders() -> None:
    assert feeding(SEARCH, [99]) == frozenset()
    assert feeding("def broken(:\n", [1]) == frozenset()


def test_module_level_code_is_its_own_scope() -> None:
    source = program(
        """
        scale = 3
        total = scale * 2
        """
    )
    assert feeding(source, [2]) == {1}
