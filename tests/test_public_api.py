"""The curated public API: ``petri.__all__`` is exactly what ``import petri`` offers."""

from __future__ import annotations

import subprocess
import sys

import pytest

import petri


def test_every_name_in_all_exists() -> None:
    missing = [name for name in petri.__all__ if not hasattr(petri, name)]
    assert missing == []


def test_nothing_public_is_missing_from_all() -> None:
    # Names resolve lazily (PEP 562), so the lazy table is what `import petri` can offer.
    lazy = set(petri._WHERE) | {"__version__"}
    assert lazy == set(petri.__all__)
    assert sorted(dir(petri)) == sorted(petri.__all__)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = petri.nonsense  # type: ignore[attr-defined]


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
    """Jailed workers import petri: the bare import loads none of its parts, nor the CLI's."""
    code = "import sys, petri; print(' '.join(sorted(sys.modules)))"
    modules = set(subprocess.check_output([sys.executable, "-c", code], text=True).split())
    assert "petri" in modules
    assert [m for m in modules if m.startswith("petri.")] == []
    assert {"typer", "rich", "click", "pydantic"} & modules == set()
