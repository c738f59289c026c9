"""Fixtures shared by the sandbox tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from petri.config import Limits, SandboxSettings
from petri.sandbox import JudgeSpec, WorkerPool
from petri.sandbox.jail import bwrap_usable

ProblemWriter = Callable[..., Path]


@pytest.fixture(scope="session")
def write_problem(tmp_path_factory: pytest.TempPathFactory) -> ProblemWriter:
    """``write_problem({"prog.py": "...", "tests/test_x.py": "..."})`` writes a problem folder
    that outlives one test (so a module can share one warm pool on it); sources are dedented."""

    def write(files: dict[str, str], name: str = "problem") -> Path:
        root = tmp_path_factory.mktemp(name)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content), encoding="utf-8")
        return root

    return write


# --- the adversarial suite (test_adversarial.py): one problem, one shared bwrap pool ---

ADVERSARIAL_PROGRAM = "def f(x):\n    return x + 1\n"
ADVERSARIAL_TESTS = """
    from prog import f


    def test_one():
        assert f(1) == 2


    def test_two():
        assert f(2) == 3


    def test_three():
        assert f(3) == 4
"""


@pytest.fixture(scope="module")
def adversarial_spec(write_problem: ProblemWriter) -> JudgeSpec:
    """``prog.py`` defining ``f`` and three tests calling ``f(1)``, ``f(2)``, ``f(3)``."""
    files = {"prog.py": ADVERSARIAL_PROGRAM, "tests/test_prog.py": ADVERSARIAL_TESTS}
    return JudgeSpec(write_problem(files, name="hostile"), "prog.py", "tests")


@pytest.fixture(scope="module")
def adversarial_limits() -> Limits:
    """Small limits, so that every attack ends quickly."""
    return Limits(
        test_timeout_s=1.0,
        wall_time_s=8.0,
        cpu_time_s=8,
        memory_mb=320,
        processes=16,
        file_size_mb=2,
        open_files=64,
        tmp_mb=8,
        output_kb=16,
    )


@pytest.fixture(scope="module")
def adversarial_pool(
    adversarial_spec: JudgeSpec, adversarial_limits: Limits
) -> Iterator[WorkerPool]:
    """One warm bubblewrap worker shared by the attacks that leave the pool usable."""
    if bwrap_usable() is None:
        pytest.skip("bubblewrap not installed")
    settings = SandboxSettings(workers=1, jail="bwrap")
    with WorkerPool(adversarial_spec, adversarial_limits, settings) as pool:
        yield pool
