import pytest

from formula import FormulaError
from formula.cells import address, cells_between, normalize, split
from formula.lexer import CELL, NAME, NUMBER, OPERATOR, PUNCTUATION, STRING, tokenize


@pytest.mark.parametrize(
    ("text", "position"), [("A1", (1, 1)), ("Z9", (26, 9)), ("AA10", (27, 10)), ("ab12", (28, 12))]
)
def test_split(text: str, position: tuple[int, int]) -> None:
    assert split(text) == position


def test_address_inverts_split() -> None:
    for column in range(1, 26 * 27 + 1, 7):
        assert split(address(column, 5)) == (column, 5)


@pytest.mark.parametrize("text", ["A0", "1A", "AAA1", "", "A1B"])
def test_not_a_cell(text: str) -> None:
    with pytest.raises(FormulaError, match="not a cell"):
        split(text)


def test_normalize() -> None:
    assert normalize(" b3 ") == "B3"


class TestCellsBetween:
    def test_row_by_row(self) -> None:
        assert cells_between("A1", "B2") == ["A1", "B1", "A2", "B2"]

    def test_corners_in_any_order(self) -> None:
        assert cells_between("B2", "A1") == cells_between("A1", "B2")

    def test_one_column(self) -> None:
        assert cells_between("C3", "C5") == ["C3", "C4", "C5"]

    def test_one_cell(self) -> None:
        assert cells_between("D4", "D4") == ["D4"]


def test_tokenize() -> None:
    tokens = tokenize('sum(a1:B2) >= 1.5 & "x y"')
    assert [(t.kind, t.text) for t in tokens] == [
        (NAME, "SUM"),
        (PUNCTUATION, "("),
        (CELL, "A1"),
        (PUNCTUATION, ":"),
        (CELL, "B2"),
        (PUNCTUATION, ")"),
        (OPERATOR, ">="),
        (NUMBER, "1.5"),
        (OPERATOR, "&"),
        (STRING, "x y"),
    ]
    assert [t.position for t in tokens][-3:] == [14, 18, 20]


def test_two_character_operators() -> None:
    assert [t.text for t in tokenize("1<>2<=3")] == ["1", "<>", "2", "<=", "3"]


@pytest.mark.parametrize(("text", "message"), [('"open', "never closed"), ("1 # 2", "'#' at 2")])
def test_tokenize_rejects(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        tokenize(text)
