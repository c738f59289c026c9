"""petri.sandbox.brief says what pytest says: the same text, value for value and exception for
exception."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _pytest.assertion import rewrite, util

from petri.sandbox.brief import brief_saferepr, crash_line


class Loud:
    def __repr__(self) -> str:
        raise ValueError("no repr for you")


class Multiline:
    def __repr__(self) -> str:
        return "line one\nline two"

    def method(self) -> None: ...


class Text(str):
    pass


VALUES: list[Any] = [
    "",
    "word",
    "x" * 38,
    "x" * 39,
    "y" * 10_000,
    "new\nline",
    'quote\'s "both"',
    "\U000e0001" * 38,  # short, but its repr is past the limit
    "é ü ∑",
    0,
    -7,
    10**37,
    -(10**38) + 1,
    10**38,
    10**50,
    10**5000,  # str() of it raises in Python 3.11: the repr says so
    True,
    False,
    None,
    1.5,
    float("nan"),
    -0.0,
    1e300,
    [1, 2, 3],
    list(range(100)),
    ["a"] * 3,
    (1, "a", None),
    {"k": [1, 2], "j": {"deep": {"deeper": [1]}}},
    {i: i for i in range(20)},
    set(range(10)),
    Loud(),
    Multiline(),
    Multiline().method,
    Text("subclass"),
    b"bytes",
    complex(1, 2),
    range(5),
    Multiline,
]


@pytest.mark.parametrize("maxsize", [240, 2400, 60])
@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_the_same_text_as_pytest(value: Any, maxsize: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rewrite, "_get_maxsize_for_saferepr", lambda config: maxsize)
    expected = rewrite._saferepr(value)
    assert brief_saferepr(maxsize, rewrite._saferepr)(value) == expected


def test_a_limit_tighter_than_the_fast_path_keeps_pytests_own() -> None:
    assert brief_saferepr(20, rewrite._saferepr) is rewrite._saferepr


def test_a_failing_assert_reads_the_same_in_brief_mode() -> None:
    # The rewritten assert of this module calls rewrite._saferepr on each operand.
    def message() -> str:
        with pytest.raises(AssertionError) as caught:
            assert [1, 2] == "x" * 50
        return str(caught.value)

    saved = rewrite._saferepr
    reference = message()
    maxsize = rewrite._get_maxsize_for_saferepr(util._config)
    assert maxsize is not None
    rewrite._saferepr = brief_saferepr(maxsize, saved)  # type: ignore[assignment]
    try:
        brief = message()
    finally:
        rewrite._saferepr = saved  # type: ignore[assignment]
    assert brief == reference
    assert brief.startswith("assert [1, 2] == ")


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no str for you")


class WithMsg(AssertionError):
    msg = "assert custom"


class NoRepr(AssertionError):
    def __repr__(self) -> str:
        raise ValueError("no repr")


def _raise_assert_compare() -> None:
    left, right = [1, 2], "x" * 300
    assert left == right


def _raise_assert_quotes() -> None:
    assert "a" == "b'"  # noqa: PLR0133


def _raise_assert_plain() -> None:
    assert False  # noqa: B011


def _raise_assert_message() -> None:
    assert 1 == 2, "one is not two\nsecond line"  # noqa: PLR0133


def _raise(exc: BaseException) -> Callable[[], None]:
    def go() -> None:
        raise exc

    return go


def _with_note() -> None:
    exc = KeyError("k")
    exc.add_note("a note")
    raise exc


def _syntax() -> None:
    compile("def f(:\n", "bad.py", "exec")


RAISERS: list[Callable[[], None]] = [
    _raise_assert_compare,
    _raise_assert_quotes,
    _raise_assert_plain,
    _raise_assert_message,
    lambda: [0][1],  # noqa: PLE0643
    lambda: {}["missing"],  # type: ignore[func-returns-value]
    lambda: 1 / 0,  # type: ignore[func-returns-value]
    lambda: int("x"),  # type: ignore[func-returns-value]
    _raise(AssertionError("assert made by hand")),
    _raise(AssertionError()),
    _raise(AssertionError("")),
    _raise(ValueError("   ")),
    _raise(ValueError("\n\nafter blank lines")),
    _raise(ValueError("trailing   ")),
    _raise(RuntimeError("a", "b")),
    _raise(Unprintable()),
    _raise(WithMsg("text")),
    _raise(NoRepr("assert x")),
    _raise(StopIteration()),
    _raise(RecursionError("maximum recursion depth exceeded")),
    _raise(SystemError("x" * 5000)),
    _raise(ExceptionGroup("group", [ValueError("only one")])),
    _raise(ExceptionGroup("group", [ValueError("one"), KeyError("two")])),
    _with_note,
    _syntax,
    _raise(pytest.fail.Exception("failed by hand")),
]


@pytest.mark.parametrize("raiser", RAISERS, ids=range(len(RAISERS)))
def test_the_same_crash_line_as_pytest(raiser: Callable[[], None]) -> None:
    with pytest.raises(BaseException) as caught:
        raiser()
    info = pytest.ExceptionInfo.from_exc_info((caught.type, caught.value, caught.tb))
    text = info.exconly(tryshort=True).strip()
    expected = text.splitlines()[0] if text else info.typename
    fresh = pytest.ExceptionInfo.from_exc_info((caught.type, caught.value, caught.tb))
    assert crash_line(fresh) == expected
