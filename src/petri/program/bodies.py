"""The bodies of functions: docstrings, and the statement that opens a body with what a guard
there needs (the function's required parameters, the literals it returns; ``op_guard``)."""

from __future__ import annotations

import libcst as cst


def opener(
    node: cst.FunctionDef,
) -> tuple[cst.BaseStatement, tuple[str, ...], tuple[str, ...]] | None:
    """The statement that opens ``node``'s body (its first after the docstring), the function's
    required parameters (not ``self`` or ``cls``) and the literals it returns; None for a
    one-line body, one that opens with a definition, or a function that takes nothing."""
    if not isinstance(node.body, cst.IndentedBlock):
        return None
    body = list(node.body.body)
    if body and is_docstring(body[0]):
        body = body[1:]
    params = node.params
    required = [p.name.value for p in (*params.posonly_params, *params.params) if not p.default]
    required = [name for name in required if name not in ("self", "cls")]
    if not body or not required or definition_or_docstring(body[0]):
        return None
    returns = _Returns()
    node.body.visit(returns)
    return body[0], tuple(required), tuple(dict.fromkeys(returns.literals))


#: What a literal returned is: a number, or a name (``True``, ``False``, ``None``; the guard
#: keeps only those).
_LITERAL_NODES = (cst.Integer, cst.Float, cst.Name)


class _Returns(cst.CSTVisitor):
    """The literals (and plain names) a function's own ``return`` statements return, not those
    of the functions and lambdas inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.literals: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.FunctionDef | cst.Lambda | cst.ClassDef):
            return False
        if isinstance(node, cst.Return) and node.value is not None:
            value = node.value
            if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
                value = value.expression
            empty = isinstance(value, cst.List | cst.Tuple) and not value.elements
            if empty or isinstance(value, _LITERAL_NODES):
                self.literals.append(cst.Module([]).code_for_node(node.value))
        return True


def definition_or_docstring(statement: cst.BaseStatement) -> bool:
    """A ``def``, a ``class`` or a docstring: no statement site."""
    return isinstance(statement, cst.FunctionDef | cst.ClassDef) or is_docstring(statement)


def is_docstring(statement: cst.BaseStatement) -> bool:
    """True for a line of string literals only (a docstring, where it opens a body)."""
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, cst.Expr)
        and isinstance(small.value, cst.SimpleString | cst.ConcatenatedString)
        for small in statement.body
    )
