"""The values cells hold, and how formulas read them as numbers, text or truth values."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import FormulaError

#: A cell's value: a number, text, a truth value or blank (None); a range is a list of values.
Value = float | str | bool | None | list["Value"]

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def to_number(value: Value) -> float:
    """A value in arithmetic: blank is 0, TRUE is 1, text must spell a number."""
    if value is None:
        return 0.0
    if isinstance(value, bool | int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise FormulaError(f"not a number: {value!r}", code="#VALUE!") from None
    raise FormulaError("a range where one value is expected", code="#VALUE!")


def to_text(value: Value) -> str:
    """A value as text: whole numbers without a decimal point, TRUE/FALSE, blank as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return value
    raise FormulaError("a range where one value is expected", code="#VALUE!")


def to_bool(value: Value) -> bool:
    """A value as a condition: numbers are true unless 0, text must be TRUE or FALSE."""
    if isinstance(value, str):
        if value.upper() not in ("TRUE", "FALSE"):
            raise FormulaError(f"not a truth value: {value!r}", code="#VALUE!")
        return value.upper() == "TRUE"
    return to_number(value) != 0


def flatten(values: Iterable[Value]) -> Iterator[Value]:
    """The values, with every range replaced by the values it holds."""
    for value in values:
        if isinstance(value, list):
            yield from flatten(value)
        else:
            yield value


def numbers(values: Iterable[Value]) -> list[float]:
    """The numbers among the values, ranges flattened; blanks, text and truth values skipped."""
    return [
        float(value)
        for value in flatten(values)
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]


def compare(op: str, left: Value, right: Value) -> bool:
    """``left op right``: numbers (and blanks) by value, text ignoring case."""
    if isinstance(left, str) and isinstance(right, str):
        return COMPARISONS[op](left.lower(), right.lower())
    if isinstance(left, str) or isinstance(right, str):
        raise FormulaError("cannot compare text with a number", code="#VALUE!")
    return COMPARISONS[op](to_number(left), to_number(right))
