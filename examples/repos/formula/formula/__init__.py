"""formula: a small spreadsheet engine.

Cells hold numbers, text or formulas (``=SUM(A1:A3) * 2``); formulas read other cells and
ranges, call functions, and are recalculated in dependency order.
"""

from .errors import FormulaError
from .functions import FUNCTIONS, Function, lookup, register
from .parser import parse
from .sheet import Sheet, evaluate

__all__ = [
    "FUNCTIONS",
    "FormulaError",
    "Function",
    "Sheet",
    "evaluate",
    "lookup",
    "parse",
    "register",
]
__version__ = "0.9.2"
