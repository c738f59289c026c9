"""The base class of every function, and the registry that ``@register`` fills."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, TypeVar

from ..errors import FormulaError
from ..values import Value


class Function:
    """A function formulas can call by ``name``.

    Subclasses set ``name`` and how many arguments they take (``max_args`` None: any number
    from ``min_args`` on), and implement ``apply``.
    """

    name: ClassVar[str] = ""
    min_args: ClassVar[int] = 1
    max_args: ClassVar[int | None] = None

    def __call__(self, args: Sequence[Value]) -> Value:
        """Check the number of arguments, then apply the function to them."""
        count = len(args)
        if count < self.min_args or (self.max_args is not None and count > self.max_args):
            raise FormulaError(
                f"wrong number of arguments to {self.name}: {count} (takes {self.arity()})",
                code="#N/A",
            )
        return self.apply(*args)

    def arity(self) -> str:
        """How many arguments the function takes: ``"1"``, ``"1 to 2"`` or ``"1 or more"``."""
        if self.max_args is None:
            return f"{self.min_args} or more"
        if self.max_args == self.min_args:
            return str(self.min_args)
        return f"{self.min_args} to {self.max_args}"

    def apply(self, *args: Value) -> Value:
        """The function's value for its arguments."""
        raise NotImplementedError


FUNCTIONS: dict[str, Function] = {}
F = TypeVar("F", bound=type[Function])


def register(cls: F) -> F:
    """Class decorator: make an instance of ``cls`` callable from formulas as ``cls.name``."""
    if not cls.name or cls.name != cls.name.upper():
        raise ValueError(f"a function needs an upper-case name, got {cls.name!r}")
    if cls.name in FUNCTIONS:
        raise ValueError(f"a function named {cls.name} is registered already")
    FUNCTIONS[cls.name] = cls()
    return cls


def lookup(name: str) -> Function:
    """The function registered as ``name``, in any case."""
    try:
        return FUNCTIONS[name.upper()]
    except KeyError:
        raise FormulaError(f"unknown function {name}", code="#NAME?") from None
