import pytest

from formula import FormulaError, Sheet


def test_constants(sheet: Sheet) -> None:
    sheet.set("A1", "42")
    sheet.set("A2", "  hello ")
    sheet.set("A3", "true")
    assert [sheet.get(cell) for cell in ("A1", "A2", "A3", "A4")] == [42.0, "hello", True, None]


def test_formulas(budget: Sheet) -> None:
    assert [budget.get(f"D{row}") for row in range(1, 5)] == [5.0, 13.0, 18.0, 36.0]


def test_recalculation_after_a_change(budget: Sheet) -> None:
    budget.get("D4")
    budget.set("B1", "10")
    assert (budget.get("D1"), budget.get("D4")) == (12.5, 43.5)


def test_addresses_in_any_case(budget: Sheet) -> None:
    budget.set("e1", "=d4 / 2")
    assert budget.get("E1") == 18


def test_formulas_are_ordered_by_what_they_read(sheet: Sheet) -> None:
    sheet.set("A1", "=B1 + 1")
    sheet.set("B1", "=C1 * 2")
    sheet.set("C1", "3")
    assert sheet.order() == ["B1", "A1"]
    assert sheet.get("A1") == 7


def test_blank_cells_count_as_zero(sheet: Sheet) -> None:
    sheet.set("A1", "=A9 + 1")
    assert sheet.get("A1") == 1


def test_clearing_a_cell(budget: Sheet) -> None:
    budget.set("C3", "")
    assert (budget.get("C3"), budget.get("D4")) == (None, 18.0)


@pytest.mark.parametrize(
    ("formula", "code"),
    [("=1 / 0", "#DIV/0!"), ("=NOPE(1)", "#NAME?"), ('=1 + "a"', "#VALUE!"), ("=ABS()", "#N/A")],
)
def test_a_failing_formula_shows_its_error(sheet: Sheet, formula: str, code: str) -> None:
    sheet.set("A1", formula)
    assert sheet.get("A1") == code


def test_functions_in_a_sheet(budget: Sheet) -> None:
    budget.set("D5", "=ROUND(D4 * 1.075, 1)")
    budget.set("D6", '=IF(D4 > 30, "over budget", "ok")')
    budget.set("D7", "=AVERAGE(D1:D3)")
    assert [budget.get(cell) for cell in ("D5", "D6", "D7")] == [38.7, "over budget", 12.0]


def test_clamped_discount(budget: Sheet) -> None:
    budget.set("E1", "=CLAMP(D4 / 10, 0, 2.5)")
    assert budget.get("E1") == 2.5


class TestCircularReferences:
    def test_two_cells(self, sheet: Sheet) -> None:
        sheet.set("A1", "=B1")
        sheet.set("B1", "=A1 + 1")
        with pytest.raises(FormulaError, match="circular reference"):
            sheet.get("A1")

    def test_a_cell_reading_itself(self, sheet: Sheet) -> None:
        sheet.set("A1", "=A1 + 1")
        with pytest.raises(FormulaError, match="circular reference"):
            sheet.get("B1")

    def test_through_a_range(self, budget: Sheet) -> None:
        budget.set("D3", "=SUM(D1:D4)")
        with pytest.raises(FormulaError, match="circular reference"):
            budget.get("D1")

    def test_a_diamond_is_no_cycle(self, sheet: Sheet) -> None:
        sheet.set("A1", "2")
        sheet.set("B1", "=A1 * 3")
        sheet.set("B2", "=A1 + 1")
        sheet.set("C1", "=B1 + B2")
        assert sheet.get("C1") == 9


def test_a_bad_address_is_rejected(sheet: Sheet) -> None:
    with pytest.raises(FormulaError, match="not a cell"):
        sheet.set("1A", "3")
