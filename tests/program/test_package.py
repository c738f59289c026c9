"""The program representation stands on its own: importing it never imports evolve's engine."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import petri.program

MODULES = sorted(f"petri.program.{m.name}" for m in pkgutil.iter_modules(petri.program.__path__))


def test_the_package_has_its_modules() -> None:
    assert {"petri.program.edits", "petri.program.operators", "petri.program.sites"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_importing_a_module_imports_no_part_of_evolve(module: str) -> None:
    check = (
        f"import {module}, sys\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('petri.evolve'))\n"
        "assert not loaded, loaded\n"
        # Whatever is imported first, every operator's edits apply.
        "from petri.program.edits import Edit, Original\n"
        "assert Original.parse('x = 1 + 2\\n').apply([Edit('binop_swap', 1, ('-',))]) "
        "== 'x = 1 - 2\\n'\n"
    )
    command = [sys.executable, "-c", check]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
