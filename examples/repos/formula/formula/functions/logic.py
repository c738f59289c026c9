"""Logical functions: IF, AND, OR and NOT."""

from __future__ import annotations

from ..values import Value, flatten, to_bool
from .base import Function, register


@register
class If(Function):
    """IF(condition, then, [otherwise]): ``otherwise`` defaults to FALSE."""

    name = "IF"
    min_args = 2
    max_args = 3

    def apply(self, *args: Value) -> Value:
        otherwise = args[2] if len(args) > 2 else False
        return args[1] if to_bool(args[0]) else otherwise


@register
class And(Function):
    name = "AND"

    def apply(self, *args: Value) -> Value:
        return all(to_bool(value) for value in flatten(args) if value is not None)


@register
class Or(Function):
    name = "OR"

    def apply(self, *args: Value) -> Value:
        return any(to_bool(value) for value in flatten(args) if value is not None)


@register
class Not(Function):
    name = "NOT"
    max_args = 1

    def apply(self, *args: Value) -> Value:
        return not to_bool(args[0])
