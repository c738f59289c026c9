"""Shared fixtures: a clean PETRI_* environment and a factory for problem folders."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own PETRI_* variables must not change what the tests see."""
    for name in list(os.environ):
        if name.startswith("PETRI_"):
            monkeypatch.delenv(name)


@pytest.fixture
def examples() -> Path:
    """The bundled example problems (examples/ at the top of the repository)."""
    return EXAMPLES


@pytest.fixture
def make_problem(tmp_path: Path) -> Callable[..., Path]:
    """``make_problem({"fizz.py": "...", "tests/test_x.py": "..."})`` writes a problem folder."""

    def make(files: dict[str, str | bytes], name: str = "problem") -> Path:
        root = tmp_path / name
        root.mkdir()
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make
