"""The syntax tree of a formula.

Every node evaluates against the cells of a sheet (anything with ``value(address)``) and names
the cells it reads, so that a sheet can recalculate its formulas in dependency order.
"""

from __future__ import annotations

import math
import operator
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from .cells import cells_between
from .errors import FormulaError
from .functions import lookup
from .values import COMPARISONS, Value, compare, to_number, to_text


class Cells(Protocol):
    """What a formula reads: the value of a cell by its address."""

    def value(self, address: str) -> Value: ...


def _divide(left: float, right: float) -> float:
    if right == 0:
        raise FormulaError("division by zero", code="#DIV/0!")
    return left / right


def _power(left: float, right: float) -> float:
    try:
        result: float | complex = left**right
    except ZeroDivisionError:
        raise FormulaError("zero to a negative power", code="#DIV/0!") from None
    if isinstance(result, complex) or math.isinf(result):
        raise FormulaError(f"{left} ^ {right} is not a real number", code="#NUM!")
    return result


ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
    "^": _power,
}


class Node(ABC):
    """A node of the syntax tree."""

    @abstractmethod
    def evaluate(self, cells: Cells) -> Value:
        """The node's value, reading cells from ``cells``."""

    def references(self) -> Iterator[str]:
        """The addresses of the cells the node reads."""
        yield from ()


@dataclass(frozen=True)
class Number(Node):
    value: float

    def evaluate(self, cells: Cells) -> Value:
        return self.value


@dataclass(frozen=True)
class Text(Node):
    value: str

    def evaluate(self, cells: Cells) -> Value:
        return self.value


@dataclass(frozen=True)
class Boolean(Node):
    value: bool

    def evaluate(self, cells: Cells) -> Value:
        return self.value


@dataclass(frozen=True)
class Ref(Node):
    """One cell's value."""

    address: str

    def evaluate(self, cells: Cells) -> Value:
        return cells.value(self.address)

    def references(self) -> Iterator[str]:
        yield self.address


@dataclass(frozen=True)
class Range(Node):
    """The values of a rectangle of cells, row by row."""

    start: str
    end: str

    def evaluate(self, cells: Cells) -> Value:
        return [cells.value(address) for address in self.references()]

    def references(self) -> Iterator[str]:
        yield from cells_between(self.start, self.end)


@dataclass(frozen=True)
class Negate(Node):
    operand: Node

    def evaluate(self, cells: Cells) -> Value:
        return -to_number(self.operand.evaluate(cells))

    def references(self) -> Iterator[str]:
        yield from self.operand.references()


@dataclass(frozen=True)
class Binary(Node):
    """Arithmetic, a comparison, or ``&`` (text concatenation)."""

    op: str
    left: Node
    right: Node

    def evaluate(self, cells: Cells) -> Value:
        left, right = self.left.evaluate(cells), self.right.evaluate(cells)
        if self.op == "&":
            return to_text(left) + to_text(right)
        if self.op in COMPARISONS:
            return compare(self.op, left, right)
        return ARITHMETIC[self.op](to_number(left), to_number(right))

    def references(self) -> Iterator[str]:
        yield from self.left.references()
        yield from self.right.references()


@dataclass(frozen=True)
class Call(Node):
    """A function call; the function is looked up when the call is evaluated."""

    name: str
    args: tuple[Node, ...]

    def evaluate(self, cells: Cells) -> Value:
        return lookup(self.name)([arg.evaluate(cells) for arg in self.args])

    def references(self) -> Iterator[str]:
        for arg in self.args:
            yield from arg.references()
