"""Cell addresses: ``"B3"`` is column 2 of row 3, and the range ``A1:B2`` holds A1, B1, A2, B2."""

from __future__ import annotations

import re

from .errors import FormulaError

_ADDRESS = re.compile(r"([A-Z]{1,2})([1-9][0-9]{0,3})")
LETTERS = 26


def split(address: str) -> tuple[int, int]:
    """The (column, row) of an address, both counted from 1: ``"AB12"`` is (28, 12)."""
    match = _ADDRESS.fullmatch(address.strip().upper())
    if match is None:
        raise FormulaError(f"not a cell: {address!r}", code="#REF!")
    letters, digits = match.groups()
    column = 0
    for letter in letters:
        column = column * LETTERS + ord(letter) - ord("A") + 1
    return column, int(digits)


def address(column: int, row: int) -> str:
    """The address of a (column, row): (28, 12) is ``"AB12"``."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, LETTERS)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"


def normalize(text: str) -> str:
    """An address in its usual spelling: ``" b3 "`` is ``"B3"``."""
    return address(*split(text))


def cells_between(start: str, end: str) -> list[str]:
    """The cells of the rectangle with corners ``start`` and ``end``, row by row."""
    (first_column, first_row), (last_column, last_row) = split(start), split(end)
    left, right = sorted((first_column, last_column))
    top, bottom = sorted((first_row, last_row))
    return [
        address(column, row) for row in range(top, bottom + 1) for column in range(left, right + 1)
    ]
