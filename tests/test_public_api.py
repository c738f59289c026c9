"""The curated public API: ``petri.__all__`` is exactly what ``import petri`` offers."""

from __future__ import annotations

import subprocess
import sys
import types

import petri


def test_every_name_in_all_exists() -> None:
    missing = [name for name in petri.__all__ if not hasattr(petri, name)]
    assert missing == []


def test_nothing_public_is_missing_from_all() -> None:
    public = {
        name
        for name, value in vars(petri).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public - set(petri.__all__) == set()


def test_all_is_sorted_and_unique() -> None:
    assert petri.__all__ == sorted(set(petri.__all__))


def test_the_core_names_are_public() -> None:
    core = {"Evaluation", "Status", "TestOutcome", "TestResult", "Settings", "Limits"}
    core |= {"load_settings", "load_problem", "Problem", "PetriError", "__version__"}
    assert core <= set(petri.__all__)


def test_every_error_class_is_public() -> None:
    errors = {
        name
        for name, value in vars(petri.errors).items()
        if isinstance(value, type) and issubclass(value, petri.PetriError)
    }
    assert errors <= set(petri.__all__)


def test_version_is_the_distribution_version() -> None:
    from importlib.metadata import version

    assert petri.__version__ == version("petridish")


def test_import_petri_stays_light() -> None:
    """The library import must not pull in the CLI's dependencies."""
    code = "import sys, petri; print(' '.join(sorted(sys.modules)))"
    modules = set(subprocess.check_output([sys.executable, "-c", code], text=True).split())
    assert "petri" in modules
    assert {"typer", "rich", "click", "petri.cli"} & modules == set()
