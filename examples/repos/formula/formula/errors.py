"""The one error a formula raises, with the code a spreadsheet shows for it."""

from __future__ import annotations


class FormulaError(Exception):
    """A formula that cannot be read or evaluated; ``code`` is what its cell displays."""

    def __init__(self, message: str, code: str = "#ERROR!") -> None:
        super().__init__(message)
        self.code = code
