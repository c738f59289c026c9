"""Formulas to syntax trees, by precedence climbing.

From loosest to tightest: comparisons, ``&``, ``+ -``, ``* /``, ``^``, then a sign. ``^`` is
right-associative (``2^3^2`` is ``2^9``); the other operators are left-associative.
"""

from __future__ import annotations

from .errors import FormulaError
from .lexer import CELL, NAME, NUMBER, OPERATOR, PUNCTUATION, STRING, Token, tokenize
from .nodes import Binary, Boolean, Call, Negate, Node, Number, Range, Ref, Text

PRECEDENCE = {
    "=": 1,
    "<>": 1,
    "<": 1,
    ">": 1,
    "<=": 1,
    ">=": 1,
    "&": 2,
    "+": 3,
    "-": 3,
    "*": 4,
    "/": 4,
    "^": 5,
}
RIGHT_ASSOCIATIVE = frozenset({"^"})


class Parser:
    """A parser over the tokens of one formula."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.position = 0

    def parse(self) -> Node:
        """The whole formula as one tree; FormulaError if anything is left over."""
        node = self._expression(1)
        if (extra := self._peek()) is not None:
            raise FormulaError(f"unexpected {extra.text!r} at {extra.position}")
        return node

    def _peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _next(self) -> Token:
        token = self._peek()
        if token is None:
            raise FormulaError("the formula ends too early")
        self.position += 1
        return token

    def _accept(self, kind: str, text: str) -> bool:
        token = self._peek()
        if token is not None and token.kind == kind and token.text == text:
            self.position += 1
            return True
        return False

    def _expect(self, kind: str, text: str | None = None) -> Token:
        token = self._next()
        if token.kind != kind or (text is not None and token.text != text):
            raise FormulaError(f"expected {text or kind} at {token.position}, got {token.text!r}")
        return token

    def _expression(self, min_precedence: int) -> Node:
        left = self._unary()
        while (token := self._peek()) is not None and token.kind == OPERATOR:
            precedence = PRECEDENCE[token.text]
            if precedence < min_precedence:
                break
            self.position += 1
            next_min = precedence if token.text not in RIGHT_ASSOCIATIVE else precedence + 1
            left = Binary(token.text, left, self._expression(next_min))
        return left

    def _unary(self) -> Node:
        if self._accept(OPERATOR, "-"):
            return Negate(self._unary())
        if self._accept(OPERATOR, "+"):
            return self._unary()
        return self._primary()

    def _primary(self) -> Node:
        token = self._next()
        if token.kind == NUMBER:
            return Number(float(token.text))
        if token.kind == STRING:
            return Text(token.text)
        if token.kind == CELL:
            if self._accept(PUNCTUATION, ":"):
                return Range(token.text, self._expect(CELL).text)
            return Ref(token.text)
        if token.kind == NAME and token.text in ("TRUE", "FALSE"):
            return Boolean(token.text == "TRUE")
        if token.kind == NAME:
            self._expect(PUNCTUATION, "(")
            return Call(token.text, self._arguments())
        if token.kind == PUNCTUATION and token.text == "(":
            inner = self._expression(1)
            self._expect(PUNCTUATION, ")")
            return inner
        raise FormulaError(f"unexpected {token.text!r} at {token.position}")

    def _arguments(self) -> tuple[Node, ...]:
        """The arguments of a call, after its opening parenthesis, and the closing one."""
        if self._accept(PUNCTUATION, ")"):
            return ()
        args = [self._expression(1)]
        while self._accept(PUNCTUATION, ","):
            args.append(self._expression(1))
        self._expect(PUNCTUATION, ")")
        return tuple(args)


def parse(text: str) -> Node:
    """The syntax tree of a formula (without its leading ``=``)."""
    return Parser(text).parse()
