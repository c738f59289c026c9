"""A sheet of cells: constants and formulas, recalculated in dependency order."""

from __future__ import annotations

from .cells import normalize
from .errors import FormulaError
from .nodes import Node
from .parser import parse
from .values import Value


class Sheet:
    """Cells by address. Text starting with ``=`` is a formula; anything else a constant.

    A formula that fails shows its error code (``#DIV/0!``) as its value; a circular
    reference makes reading any value raise FormulaError.
    """

    def __init__(self) -> None:
        self._constants: dict[str, Value] = {}
        self._formulas: dict[str, Node] = {}
        self._values: dict[str, Value] = {}
        self._stale = False

    def set(self, address: str, text: str) -> None:
        """Put a constant or a formula in a cell; empty text clears it."""
        cell = normalize(address)
        self._constants.pop(cell, None)
        self._formulas.pop(cell, None)
        if text.startswith("="):
            self._formulas[cell] = parse(text[1:])
        elif text.strip():
            self._constants[cell] = _constant(text.strip())
        self._stale = True

    def get(self, address: str) -> Value:
        """A cell's value after recalculation; None for a blank cell."""
        if self._stale:
            self.recalculate()
        return self._values.get(normalize(address))

    def value(self, address: str) -> Value:
        """A cell's value as recalculation has left it so far (what formulas read)."""
        return self._values.get(address)

    def recalculate(self) -> None:
        """Evaluate every formula, each after the formulas it reads."""
        order = self.order()
        self._values = dict(self._constants)
        for cell in order:
            try:
                self._values[cell] = self._formulas[cell].evaluate(self)
            except FormulaError as error:
                self._values[cell] = error.code
        self._stale = False

    def order(self) -> list[str]:
        """The formula cells, each after every formula cell it reads.

        Raises FormulaError on a circular reference.
        """
        done: set[str] = set()
        visiting: set[str] = set()
        ordered: list[str] = []

        def visit(cell: str) -> None:
            if cell in done:
                return
            if cell in visiting:
                raise FormulaError(f"circular reference through {cell}", code="#CIRCULAR!")
            visiting.add(cell)
            for reference in self._formulas[cell].references():
                if reference in self._formulas:
                    visit(reference)
            visiting.discard(cell)
            done.add(cell)
            ordered.append(cell)

        for cell in sorted(self._formulas):
            visit(cell)
        return ordered


def _constant(text: str) -> Value:
    """A constant typed into a cell: a number, TRUE/FALSE, or else text."""
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    try:
        return float(text)
    except ValueError:
        return text


class _NoCells:
    def value(self, address: str) -> Value:
        return None


def evaluate(formula: str) -> Value:
    """The value of a formula that reads no cells (a leading ``=`` is optional)."""
    return parse(formula.removeprefix("=")).evaluate(_NoCells())
