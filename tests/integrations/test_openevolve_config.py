"""config.yaml of a public-format folder: the settings petri takes, the keys it names as
ignored, and a one-line error for a file it cannot use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from petri.config import load_settings
from petri.errors import ProblemError
from petri.integrations.openevolve_config import USED, is_format_folder, read_config

MakeProblem = Callable[..., Path]
EVALUATOR = "def evaluate(program_path):\n    return {'combined_score': 1.0}\n"
FULL = """
max_iterations: 40
random_seed: 9
early_stopping_metric: accuracy
checkpoint_interval: 10
llm:
  temperature: 0.7
evaluator:
  timeout: 2.5
  cascade_evaluation: true
  cascade_thresholds: [0.2]
  max_retries: 3
"""


def folder(make_problem: MakeProblem, config: str | bytes, **extra: str) -> Path:
    files = {"initial_program.py": "x = 1\n", "evaluator.py": EVALUATOR, "config.yaml": config}
    return make_problem({**files, **extra})


def test_the_keys_petri_understands_become_settings(make_problem: MakeProblem) -> None:
    config = read_config(folder(make_problem, FULL))
    assert config.settings == {
        "evolve": {"max_evals": 40, "seed": 9, "objectives": ["accuracy:max"]},
        "limits": {"wall_time_s": 2.5, "cpu_time_s": 3},
    }
    assert config.ignored == ("checkpoint_interval", "llm", "evaluator.max_retries")
    note = config.note()
    assert note is not None and "\n" not in note
    assert note.startswith("config.yaml: petri ignores checkpoint_interval, llm, ")
    assert all(key in note for key in USED)


def test_a_config_of_known_keys_only_has_no_note(make_problem: MakeProblem) -> None:
    config = read_config(folder(make_problem, "max_iterations: 3\nrandom_seed: null\n"))
    assert config.settings == {"evolve": {"max_evals": 3}}
    assert config.note() is None


def test_no_config_yaml_is_no_settings(make_problem: MakeProblem) -> None:
    root = make_problem({"initial_program.py": "", "evaluator.py": EVALUATOR})
    assert is_format_folder(root)
    assert read_config(root).settings == {}
    assert read_config(root).note() is None


def test_settings_layer_config_yaml_under_petri_toml_and_options(
    make_problem: MakeProblem,
) -> None:
    toml = "[evolve]\nseed = 4\n"
    root = folder(make_problem, FULL, **{"petri.toml": toml})
    settings = load_settings(root)
    assert (settings.evolve.seed, settings.evolve.max_evals) == (4, 40)  # petri.toml wins
    assert settings.evolve.objectives == ["accuracy:max"]
    assert settings.limits.wall_time_s == 2.5
    assert load_settings(root, evolve={"max_evals": 7}).evolve.max_evals == 7


def test_config_yaml_of_another_layout_is_not_read(make_problem: MakeProblem) -> None:
    root = make_problem({"prog.py": "", "evaluate.py": EVALUATOR, "config.yaml": "a: [\n"})
    assert not is_format_folder(root)
    assert load_settings(root).evolve.max_evals == 2000  # config.yaml belongs to someone else


@pytest.mark.parametrize(
    ("config", "fix"),
    [
        ("max_iterations: [\n", "not valid YAML"),
        ("- max_iterations\n", "holds a list"),
        ("max_iterations: ten\n", "max_iterations must be a whole number >= 1, got 'ten'"),
        ("max_iterations: 0\n", "max_iterations must be a whole number >= 1"),
        ("max_iterations: true\n", "max_iterations"),
        ("random_seed: -1\n", "random_seed must be a whole number >= 0"),
        ("random_seed: 1.5\n", "random_seed"),
        ("early_stopping_metric: [a]\n", "early_stopping_metric must name a metric"),
        ("evaluator:\n  timeout: 0\n", "evaluator.timeout must be a number of seconds > 0"),
        ("evaluator:\n  timeout: fast\n", "evaluator.timeout"),
        ("evaluator: 3\n", "evaluator must be a mapping"),
        ("evaluator:\n  cascade_thresholds: high\n", "evaluator.cascade_thresholds"),
        (b"max_iterations: 3\x00", "binary"),
        (b"#" * (300 << 10), "too large"),
    ],
)
def test_a_config_petri_cannot_use_is_one_line(
    make_problem: MakeProblem, config: str | bytes, fix: str
) -> None:
    root = folder(make_problem, config)
    for load in (read_config, load_settings):
        with pytest.raises(ProblemError) as info:
            load(root)
        message = str(info.value)
        assert "\n" not in message
        assert fix in message
        assert str(root / "config.yaml") in message
