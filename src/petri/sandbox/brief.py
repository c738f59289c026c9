"""What a failing test says in a search, at a search's price, in pytest's own words.

A search reads each failing test's one-line message (which exception, what an ``assert``
compared), never the rendered failure. Two pieces of pytest's failure path cost more than the
line they produce, and most of a search's candidates fail most tests:

* ``brief_saferepr``: a rewritten ``assert words(t) == ["a"]`` passes each operand through
  ``rewrite._saferepr``, which reads the verbosity from the configuration and builds a fresh
  ``SafeRepr`` on every value. Here the limit is read once per test, plain values (short
  strings, small numbers, ``None``, booleans) are ``repr``'d directly and everything else goes
  through one reused ``SafeRepr``.
* ``crash_line``: ``ExceptionInfo.exconly(tryshort=True)`` builds a ``TracebackException``
  and the ``saferepr`` of the exception to produce ``ZeroDivisionError: division by zero`` or
  ``assert 3 == 4``. Here the same line is formatted as ``traceback`` formats it.

Both give pytest's text exactly (``tests/sandbox/test_brief.py`` compares them value by value);
the cases pytest formats specially go to pytest.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable

import pytest
from _pytest._io.saferepr import SafeRepr

#: reprlib truncates ints past 40 characters (``maxlong``); below that, plain ``repr``.
_INT_BOUND = 10**38
#: Strings this short have a ``repr`` below every limit SafeRepr applies (``maxstring``).
_SHORT_STR = 38
#: What pytest strips from a rewritten assert's message (``ExceptionInfo._assert_start_repr``).
_ASSERT_START = "AssertionError('assert "


@functools.cache  # one per limit: built once per worker, not once per test
def brief_saferepr(maxsize: int, fallback: Callable[[object], str]) -> Callable[[object], str]:
    """pytest's ``_saferepr`` for a run whose limit is ``maxsize`` (pytest's default 240, or
    2400 at ``-v``). ``fallback`` is pytest's own, kept for the cases it treats specially."""
    if maxsize < _SHORT_STR + 2:
        return fallback  # a limit tighter than the fast path assumes: pytest's own
    safe = SafeRepr(maxsize)

    def brief(obj: object) -> str:
        kind = type(obj)
        plain = (
            (kind is str and len(obj) <= _SHORT_STR)  # type: ignore[arg-type]
            or (kind is int and -_INT_BOUND < obj < _INT_BOUND)  # type: ignore[operator]
            or kind is float
            or kind is bool
            or obj is None
        )
        if plain:
            text = repr(obj)
            if len(text) <= maxsize:  # escapes can make a short string's repr long
                return text
        if isinstance(obj, types.MethodType):
            return fallback(obj)  # pytest names bound methods by their name alone
        return safe.repr(obj).replace("\n", "\\n")

    return brief


def crash_line(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """The first line of ``excinfo.exconly(tryshort=True)``, stripped."""
    value = excinfo.value
    if isinstance(value, SyntaxError | BaseExceptionGroup) or hasattr(value, "__notes__"):
        text = excinfo.exconly(tryshort=True)  # formatted over several lines: pytest's own
    else:
        text = _final_line(value).removeprefix(_strip_prefix(value))
    text = text.strip()
    return text.splitlines()[0] if text else excinfo.typename


def _final_line(value: BaseException) -> str:
    """``traceback.format_exception_only``'s line for an exception that is not a syntax
    error: its qualified type name, then its ``str``."""
    kind = type(value)
    name = kind.__qualname__
    module = kind.__module__
    if module not in ("__main__", "builtins"):
        name = f"{module if isinstance(module, str) else '<unknown>'}.{name}"
    try:
        message = str(value)
    except Exception:
        message = "<exception str() failed>"
    return f"{name}: {message}" if message else name


def _strip_prefix(value: BaseException) -> str:
    """What ``exconly(tryshort=True)`` strips: ``AssertionError: `` before the message of a
    rewritten ``assert`` (one whose repr starts ``AssertionError('assert ``)."""
    if not isinstance(value, AssertionError):
        return ""
    info = getattr(value, "msg", None)
    if info is None:
        try:
            info = repr(value)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # pytest's saferepr says so in text that never matches
            return ""
    return "AssertionError: " if info and str(info).startswith(_ASSERT_START) else ""
