"""Functions of one number: ABS, ROUND and CLAMP."""

from __future__ import annotations

import math

from ..errors import FormulaError
from ..values import Value, to_number
from .base import Function, register


@register
class Abs(Function):
    name = "ABS"
    max_args = 1

    def apply(self, *args: Value) -> Value:
        return abs(to_number(args[0]))


@register
class Round(Function):
    """ROUND(number, [digits]): rounded to ``digits`` decimals (default 0), halves away from
    zero; negative digits round to tens, hundreds..."""

    name = "ROUND"
    max_args = 2

    def apply(self, *args: Value) -> Value:
        number = to_number(args[0])
        digits = int(to_number(args[1])) if len(args) > 1 else 0
        factor = 10.0**digits
        magnitude = math.floor(abs(number) * factor + 0.5) / factor
        return math.copysign(number, magnitude)


@register
class Clamp(Function):
    """CLAMP(number, low, high): the number, limited to the range from low to high."""

    name = "CLAMP"
    min_args = 3
    max_args = 3

    def apply(self, *args: Value) -> Value:
        number, low, high = (to_number(arg) for arg in args)
        if low > high:
            raise FormulaError(f"CLAMP from {low} to {high}: low is above high", code="#NUM!")
        return max(low, number)
