"""Fixtures: an empty sheet, a small budget sheet, and a function registered for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from formula import FUNCTIONS, Function, Sheet, register
from formula.values import Value, to_number


@pytest.fixture
def sheet() -> Sheet:
    return Sheet()


@pytest.fixture
def budget() -> Sheet:
    """Items in A, quantities in B, unit prices in C, line totals in D; D4 sums them."""
    sheet = Sheet()
    rows = [("Pens", "4", "1.25"), ("Paper", "2", "6.5"), ("Ink", "1", "18")]
    for row, (item, quantity, price) in enumerate(rows, start=1):
        sheet.set(f"A{row}", item)
        sheet.set(f"B{row}", quantity)
        sheet.set(f"C{row}", price)
        sheet.set(f"D{row}", f"=B{row} * C{row}")
    sheet.set("D4", "=SUM(D1:D3)")
    return sheet


@pytest.fixture
def twice() -> Iterator[type[Function]]:
    """TWICE(x), registered for the test and removed after it."""

    @register
    class Twice(Function):
        name = "TWICE"
        max_args = 1

        def apply(self, *args: Value) -> Value:
            return 2 * to_number(args[0])

    yield Twice
    del FUNCTIONS["TWICE"]
