import pytest

from formula import FormulaError, evaluate, parse
from formula.nodes import Binary, Boolean, Call, Negate, Number, Range, Ref, Text


def test_tree() -> None:
    assert parse("A1 + B2 * 2") == Binary("+", Ref("A1"), Binary("*", Ref("B2"), Number(2.0)))


def test_call_with_a_range() -> None:
    assert parse('SUM(A1:B2, -3, "x", TRUE)') == Call(
        "SUM", (Range("A1", "B2"), Negate(Number(3.0)), Text("x"), Boolean(True))
    )


def test_call_without_arguments() -> None:
    assert parse("NOW()") == Call("NOW", ())


def test_references() -> None:
    assert list(parse("A1 + SUM(B1:B2) * -C3").references()) == ["A1", "B1", "B2", "C3"]


@pytest.mark.parametrize(
    ("formula", "value"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("2 * 3 + 1", 7),
        ("7 - 2 * 3", 1),
        ("-2 ^ 2", 4),
        ("2 * -3", -6),
        ("2 ^ -1", 0.5),
        ("1 + 2 = 3", True),
        ('"a" & 1 + 2', "a3"),
    ],
)
def test_precedence(formula: str, value: object) -> None:
    assert evaluate(formula) == value


@pytest.mark.parametrize(
    ("formula", "value"),
    [("8 - 3 - 2", 3), ("10 / 4 / 5", 0.5), ("1 - 2 + 3", 2), ("2 ^ 3 ^ 2", 512)],
)
def test_associativity(formula: str, value: float) -> None:
    assert evaluate(formula) == value


@pytest.mark.parametrize("formula", ["", "1 +", "(1", "1 2", "SUM(1,", ")", "A1:", "* 3", "SUM"])
def test_syntax_errors(formula: str) -> None:
    with pytest.raises(FormulaError):
        parse(formula)
