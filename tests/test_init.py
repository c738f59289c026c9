"""``petri init``: a scaffold that the real sandbox then judges with every test passing."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from petri.config import Limits, SandboxSettings, load_settings
from petri.errors import ProblemError
from petri.problem import init_problem, load_problem, render_config
from petri.sandbox import Status, TestOutcome, evaluate_once


def test_scaffold_is_a_working_problem(tmp_path: Path) -> None:
    root = tmp_path / "primes"
    written = init_problem(root)
    names = {p.relative_to(root).as_posix() for p in written}
    assert {"program.py", "tests/test_program.py", "petri.toml", "README.md"} <= names
    assert not any("__pycache__" in name for name in names)
    problem = load_problem(root)
    assert (problem.program, problem.judge) == ("program.py", "tests")
    evaluation, _warning = evaluate_once(
        problem.judge_spec(), problem.source, problem.settings.limits, problem.settings.sandbox
    )
    assert evaluation.status is Status.OK, evaluation.message
    assert evaluation.tests
    assert {t.outcome for t in evaluation.tests} == {TestOutcome.PASSED}


def test_scaffold_into_an_existing_empty_folder(tmp_path: Path) -> None:
    init_problem(tmp_path)
    assert (tmp_path / "program.py").is_file()


@pytest.mark.parametrize("existing", ["file_inside", "is_a_file"])
def test_refuses_to_overwrite(tmp_path: Path, existing: str) -> None:
    target = tmp_path / "taken"
    if existing == "file_inside":
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    else:
        target.write_text("mine")
    with pytest.raises(ProblemError) as exc:
        init_problem(target)
    assert "\n" not in str(exc.value)
    assert "choose a new folder name" in str(exc.value)
    assert not (tmp_path / "taken" / "program.py").exists()


def test_petri_toml_shows_the_true_defaults(tmp_path: Path) -> None:
    """Uncommenting every line of the generated file reproduces the defaults: one source."""
    text = render_config(program="program.py", judge="tests")
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") and " = " in line and "..." not in line else line
        for line in text.splitlines()
    )
    data = tomllib.loads(uncommented)
    assert data["program"] == "program.py"
    assert Limits(**data["limits"]) == Limits()
    assert SandboxSettings(**data["sandbox"]) == SandboxSettings()
    (tmp_path / "petri.toml").write_text(uncommented)
    assert load_settings(tmp_path).judge == "tests"


def test_every_setting_appears_in_petri_toml() -> None:
    text = render_config()
    for name in [*Limits.model_fields, *SandboxSettings.model_fields, "program", "judge"]:
        assert f"# {name} = " in text
