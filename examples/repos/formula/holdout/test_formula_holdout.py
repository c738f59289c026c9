"""Held-out tests: the same behaviour as tests/, on other inputs."""

import pytest

from formula import FormulaError, Sheet, evaluate


@pytest.mark.parametrize(
    ("formula", "value"),
    [
        ("20 - 5 - 5", 10),
        ("100 / 10 / 2", 5),
        ("2 ^ 2 ^ 3", 256),
        ("9 - 4 + 1", 6),
        ("1 + 6 / 3", 3),
    ],
)
def test_operators(formula: str, value: float) -> None:
    assert evaluate(formula) == value


@pytest.mark.parametrize(
    ("formula", "value"),
    [("ROUND(-0.5)", -1), ("ROUND(0.125, 2)", 0.13), ("ROUND(1.55, 1)", 1.6), ("ROUND(7)", 7)],
)
def test_round(formula: str, value: float) -> None:
    assert evaluate(formula) == value


@pytest.mark.parametrize(
    ("formula", "value"),
    [("CLAMP(99, 1, 50)", 50), ("CLAMP(0.5, 1, 50)", 1), ("CLAMP(7, 7, 7)", 7)],
)
def test_clamp(formula: str, value: float) -> None:
    assert evaluate(formula) == value


def test_exact_arities() -> None:
    assert evaluate("NOT(0)") is True
    assert evaluate("IF(FALSE, 1, 2)") == 2
    assert evaluate("ROUND(2.25, 1)") == 2.3


def test_average_of_a_range_with_blanks_and_text() -> None:
    sheet = Sheet()
    for cell, text in {"A1": "1", "A2": "2", "A3": "x", "A5": "6"}.items():
        sheet.set(cell, text)
    sheet.set("B1", "=AVERAGE(A1:A5)")
    sheet.set("B2", "=AVERAGE(C1:C3)")
    assert (sheet.get("B1"), sheet.get("B2")) == (3, "#DIV/0!")


def test_a_cycle_of_three_cells() -> None:
    sheet = Sheet()
    sheet.set("A1", "=B1 + 1")
    sheet.set("B1", "=C1 + 1")
    sheet.set("C1", "=A1 + 1")
    with pytest.raises(FormulaError, match="circular"):
        sheet.get("A1")
