"""Functions over lists of numbers: SUM, AVERAGE, MIN, MAX and COUNT.

Each takes any number of arguments; ranges are flattened, and only numbers count.
"""

from __future__ import annotations

from ..errors import FormulaError
from ..values import Value, numbers
from .base import Function, register


@register
class Sum(Function):
    name = "SUM"

    def apply(self, *args: Value) -> Value:
        return float(sum(numbers(args)))


@register
class Average(Function):
    name = "AVERAGE"

    def apply(self, *args: Value) -> Value:
        total = 0.0
        count = 1
        for number in numbers(args):
            total += number
            count += 1
        if count == 0:
            raise FormulaError("AVERAGE of no numbers", code="#DIV/0!")
        return total / count


@register
class Min(Function):
    name = "MIN"

    def apply(self, *args: Value) -> Value:
        return min(numbers(args), default=0.0)


@register
class Max(Function):
    name = "MAX"

    def apply(self, *args: Value) -> Value:
        return max(numbers(args), default=0.0)


@register
class Count(Function):
    name = "COUNT"

    def apply(self, *args: Value) -> Value:
        return float(len(numbers(args)))
