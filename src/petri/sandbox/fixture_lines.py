"""The lines a test runs through the shared fixtures it uses.

A session-, package-, module- or class-scoped fixture is set up once, while the first test
that needs it runs, and every later test uses what it built. Coverage by test would count the
fixture's lines for that first test only, and fault localization would then miss a bug in the
code that builds what every test reads (say, the loader of a data file). While a shared
fixture is set up, its lines go to a coverage context of its own, and each test's lines
include those of every shared fixture it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import pytest


class SharedFixtures:
    """A pytest plugin: each shared fixture's setup measured under its own context."""

    def __init__(self) -> None:
        #: coverage.py's ``switch_context`` while a child measures, else None
        self.switch: Callable[[str], None] | None = None
        #: the running test's context, which a fixture's setup returns to
        self.test_context = ""
        self._stack: list[str] = []
        self._measured: dict[str, list[str]] = {}  # fixture name -> its contexts measured

    def measure(self, switch: Callable[[str], None] | None) -> None:
        """Start (a ``switch_context``) or stop (None) measuring in this process."""
        self.switch = switch
        self._stack.clear()
        self._measured.clear()

    def enter_test(self, context: str) -> None:
        self.test_context = context
        if self.switch is not None:
            self.switch(context)

    def contexts(self, item: pytest.Item) -> list[str]:
        """The contexts of the shared fixtures ``item`` uses (set up by it or before it)."""
        names = getattr(item, "fixturenames", ())
        return [c for name in names for c in self._measured.get(name, ())]

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
    ) -> Generator[None, object, object]:
        switch = self.switch
        if switch is None or fixturedef.scope == "function":
            return (yield)
        context = f"f:{fixturedef.baseid}::{fixturedef.argname}"
        self._measured.setdefault(fixturedef.argname, []).append(context)
        self._stack.append(context)
        switch(context)
        try:
            return (yield)
        finally:
            self._stack.pop()
            switch(self._stack[-1] if self._stack else self.test_context)
