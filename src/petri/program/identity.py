"""The identity of a program: one id for every formatting of the same code."""

from __future__ import annotations

import ast
import functools
import hashlib


@functools.lru_cache(maxsize=4096)
def program_id(source: str) -> str:
    """The id of a program: a hash of its normalized source (formatting and comments ignored).
    Remembered: a search asks again for the ids of the programs its duplicates make."""
    try:
        normalized = ast.dump(ast.parse(source))
    except (SyntaxError, ValueError):
        normalized = source
    return hashlib.sha256(normalized.encode("utf-8", "replace")).hexdigest()[:16]
