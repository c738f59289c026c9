import pytest

from formula import FUNCTIONS, FormulaError, Function, evaluate, lookup, register


class TestRegistry:
    def test_builtins(self) -> None:
        assert set(FUNCTIONS) >= {"SUM", "AVERAGE", "MIN", "MAX", "COUNT", "ROUND", "IF", "NOT"}

    def test_lookup_ignores_case(self) -> None:
        assert lookup("sum") is lookup("SUM")

    def test_unknown_function(self) -> None:
        with pytest.raises(FormulaError, match="unknown function NOPE") as caught:
            evaluate("NOPE(1)")
        assert caught.value.code == "#NAME?"

    def test_a_registered_function_is_callable(self, twice: type[Function]) -> None:
        assert evaluate("TWICE(21)") == 42

    def test_names_are_registered_once(self, twice: type[Function]) -> None:
        with pytest.raises(ValueError, match="registered already"):
            register(twice)

    def test_names_are_upper_case(self) -> None:
        class Lower(Function):
            name = "lower"

        with pytest.raises(ValueError, match="upper-case"):
            register(Lower)


class TestArity:
    @pytest.mark.parametrize(
        "formula", ["ABS()", "ABS(1, 2)", "ROUND()", "ROUND(1, 2, 3)", "CLAMP(1, 2)", "IF(TRUE)"]
    )
    def test_wrong_number_of_arguments(self, formula: str) -> None:
        with pytest.raises(FormulaError, match="wrong number of arguments") as caught:
            evaluate(formula)
        assert caught.value.code == "#N/A"

    @pytest.mark.parametrize(
        ("name", "arity"), [("SUM", "1 or more"), ("ABS", "1"), ("ROUND", "1 to 2")]
    )
    def test_arity(self, name: str, arity: str) -> None:
        assert lookup(name).arity() == arity

    @pytest.mark.parametrize(
        ("formula", "value"),
        [("ABS(-3)", 3), ("NOT(FALSE)", True), ("IF(1 > 2, 1, 2)", 2), ("IF(1 < 2, 1)", 1)],
    )
    def test_as_many_arguments_as_allowed(self, formula: str, value: object) -> None:
        assert evaluate(formula) == value

    def test_any_number_of_arguments(self) -> None:
        assert evaluate("SUM(" + ", ".join(["1"] * 30) + ")") == 30


class TestStats:
    @pytest.mark.parametrize(
        ("formula", "value"),
        [
            ("SUM(1, 2, 3.5)", 6.5),
            ("MIN(4, -2, 7)", -2),
            ("MAX(4, -2, 7)", 7),
            ('COUNT(1, "a", TRUE, 2)', 2),
        ],
    )
    def test_values(self, formula: str, value: float) -> None:
        assert evaluate(formula) == value

    @pytest.mark.parametrize(("formula", "value"), [("AVERAGE(2, 4)", 3), ("AVERAGE(5)", 5)])
    def test_average(self, formula: str, value: float) -> None:
        assert evaluate(formula) == value

    def test_average_of_no_numbers(self) -> None:
        with pytest.raises(FormulaError) as caught:
            evaluate('AVERAGE("a", "b")')
        assert caught.value.code == "#DIV/0!"


class TestNumeric:
    @pytest.mark.parametrize(
        ("formula", "value"),
        [
            ("ROUND(2.5)", 3),
            ("ROUND(-2.5)", -3),
            ("ROUND(2.4)", 2),
            ("ROUND(1.25, 1)", 1.3),
            ("ROUND(-1.25, 1)", -1.3),
            ("ROUND(3.14159, 2)", 3.14),
            ("ROUND(1234.5, -2)", 1200),
        ],
    )
    def test_round(self, formula: str, value: float) -> None:
        assert evaluate(formula) == value

    @pytest.mark.parametrize(
        ("formula", "value"),
        [("CLAMP(5, 0, 10)", 5), ("CLAMP(-5, 0, 10)", 0), ("CLAMP(15, 0, 10)", 10)],
    )
    def test_clamp(self, formula: str, value: float) -> None:
        assert evaluate(formula) == value

    def test_clamp_needs_low_below_high(self) -> None:
        with pytest.raises(FormulaError, match="low is above high"):
            evaluate("CLAMP(5, 10, 0)")


class TestLogic:
    @pytest.mark.parametrize(
        ("formula", "value"),
        [
            ("AND(TRUE, 1, 2 > 1)", True),
            ("AND(TRUE, 0)", False),
            ("OR(FALSE, 0, 3)", True),
            ('OR("false")', False),
            ('IF("true", "yes", "no")', "yes"),
        ],
    )
    def test_values(self, formula: str, value: object) -> None:
        assert evaluate(formula) == value

    def test_text_that_is_no_truth_value(self) -> None:
        with pytest.raises(FormulaError, match="not a truth value"):
            evaluate('IF("maybe", 1)')
