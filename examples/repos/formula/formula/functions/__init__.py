"""The functions formulas can call: importing the modules below registers them."""

from . import logic, numeric, stats
from .base import FUNCTIONS, Function, lookup, register

__all__ = ["FUNCTIONS", "Function", "logic", "lookup", "numeric", "register", "stats"]
