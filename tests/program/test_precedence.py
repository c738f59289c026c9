"""Operator precedence: how tightly an expression binds as written."""

from __future__ import annotations

import libcst as cst
import pytest

from petri.program.precedence import ATOM, COMPARE, LAMBDA, LOOSE, OR, precedence


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("a", ATOM),
        ("(a or b)", ATOM),
        ("a or b", OR),
        ("a < b", COMPARE),
        ("lambda: 1", LAMBDA),
        ("x for x in y", LOOSE),
    ],
)
def test_precedence(expression: str, expected: int) -> None:
    node = cst.parse_expression(expression if "for" not in expression else f"({expression})")
    if "for" in expression:
        node = node.with_changes(lpar=(), rpar=())
    assert precedence(node) == expected
