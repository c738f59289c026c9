"""A formula's tokens: numbers, strings, cell addresses, names, operators and punctuation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import FormulaError

NUMBER, STRING, CELL, NAME, OPERATOR, PUNCTUATION = (
    "number",
    "string",
    "cell",
    "name",
    "operator",
    "punctuation",
)
OPERATORS = ("<=", ">=", "<>", "+", "-", "*", "/", "^", "&", "=", "<", ">")
PUNCTUATION_MARKS = "(),:"
_CELL = re.compile(r"[A-Z]{1,2}[0-9]+")
_NUMBER = re.compile(r"[0-9]*\.?[0-9]+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Token:
    """A piece of a formula and where it starts."""

    kind: str
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """The tokens of a formula; names and addresses come out in upper case."""
    tokens = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif number := _NUMBER.match(text, i):
            tokens.append(Token(NUMBER, number.group(), i))
            i = number.end()
        elif char == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise FormulaError(f"a string starting at {i} is never closed")
            tokens.append(Token(STRING, text[i + 1 : end], i))
            i = end + 1
        elif word := _WORD.match(text, i):
            name = word.group().upper()
            tokens.append(Token(CELL if _CELL.fullmatch(name) else NAME, name, i))
            i = word.end()
        elif text.startswith(OPERATORS, i):
            symbol = next(op for op in OPERATORS if text.startswith(op, i))
            tokens.append(Token(OPERATOR, symbol, i))
            i += len(symbol)
        elif char in PUNCTUATION_MARKS:
            tokens.append(Token(PUNCTUATION, char, i))
            i += 1
        else:
            raise FormulaError(f"unexpected {char!r} at {i}")
    return tokens
