"""petri's stand-in for the public format's EvaluationResult, its import alias, and the
config.yaml pieces the sandbox reads."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from petri.integrations import openevolve
from petri.integrations.openevolve import (
    EvaluationResult,
    cascade_settings,
    install_alias,
    parse_yaml,
    stage_score,
)


def test_evaluation_result_has_the_formats_constructor_and_methods() -> None:
    plain = EvaluationResult({"score": 1.0})
    assert (plain.metrics, plain.artifacts, plain.has_artifacts()) == ({"score": 1.0}, {}, False)
    result = EvaluationResult(metrics={"a": 0.5}, artifacts={"log": "héllo", "raw": b"\x00\x01"})
    assert result.to_dict() == {"a": 0.5}
    assert result.has_artifacts()
    assert result.get_artifact_keys() == ["log", "raw"]
    assert result.get_artifact_size("log") == 6  # UTF-8 bytes
    assert result.get_artifact_size("raw") == 2
    assert result.get_artifact_size("missing") == 0
    assert result.get_total_artifact_size() == 8
    assert EvaluationResult.from_dict({"a": 0.5}) == EvaluationResult({"a": 0.5}, {})
    assert EvaluationResult({"a": 1.0}) != EvaluationResult({"a": 2.0})
    assert repr(plain) == "EvaluationResult(metrics={'score': 1.0}, artifacts={})"
    plain.artifacts["late"] = "added"  # mutable, as evaluators use it
    assert plain.has_artifacts()


@pytest.fixture
def clean_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("openevolve", "openevolve.evaluation_result"):
        monkeypatch.delitem(sys.modules, name, raising=False)


@pytest.mark.usefixtures("clean_modules")
def test_the_alias_makes_the_formats_import_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openevolve.importlib.util, "find_spec", lambda name: None)
    assert install_alias()
    module = importlib.import_module("openevolve.evaluation_result")
    assert module.EvaluationResult is EvaluationResult
    from openevolve.evaluation_result import EvaluationResult as Imported  # type: ignore

    assert Imported is EvaluationResult


@pytest.mark.usefixtures("clean_modules")
def test_a_real_package_wins_over_the_alias(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "openevolve").mkdir()
    (tmp_path / "openevolve" / "__init__.py").write_text("REAL = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert not install_alias()
    assert "openevolve" not in sys.modules


@pytest.mark.parametrize(
    ("data", "fix"),
    [
        (b"a: [1, 2\n", "not valid YAML (line"),
        (b"- 1\n- 2\n", "holds a list"),
        (b"a: 1\x00\n", "binary"),
        (b"a: \xff\n", "not UTF-8"),
        (b"#" * (openevolve.MAX_CONFIG_BYTES + 1), "too large"),
        (b"a: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
    ],
    ids=["syntax", "list", "binary", "not-utf8", "huge", "unsafe-tag"],
)
def test_parse_yaml_refuses_bad_files_in_one_line(data: bytes, fix: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_yaml(data)
    assert fix in str(info.value)
    assert "\n" not in str(info.value)


def test_parse_yaml_reads_a_mapping_and_an_empty_file() -> None:
    assert parse_yaml(b"max_iterations: 5\nevaluator:\n  timeout: 3\n") == {
        "max_iterations": 5,
        "evaluator": {"timeout": 3},
    }
    assert parse_yaml(b"# only a comment\n") == {}


def test_cascade_settings_default_to_the_formats() -> None:
    assert cascade_settings({}) == (True, (0.5, 0.75, 0.9))
    assert cascade_settings({"evaluator": None}) == (True, (0.5, 0.75, 0.9))
    config = {"evaluator": {"cascade_evaluation": False, "cascade_thresholds": [1, 0.25]}}
    assert cascade_settings(config) == (False, (1.0, 0.25))


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"evaluator": [1]}, "evaluator must be a mapping"),
        ({"evaluator": {"cascade_evaluation": "yes"}}, "evaluator.cascade_evaluation"),
        ({"evaluator": {"cascade_thresholds": 0.5}}, "evaluator.cascade_thresholds"),
        ({"evaluator": {"cascade_thresholds": [0.5, "high"]}}, "evaluator.cascade_thresholds"),
        ({"evaluator": {"cascade_thresholds": [True]}}, "evaluator.cascade_thresholds"),
    ],
)
def test_cascade_settings_name_the_wrong_key(config: dict[str, object], key: str) -> None:
    with pytest.raises(ValueError, match=key):
        cascade_settings(config)


def test_a_stage_is_judged_by_combined_score_else_the_mean() -> None:
    assert stage_score({"combined_score": 0.25, "other": 9.0}) == 0.25
    assert stage_score({"a": 1.0, "b": 0.0, "error": -50.0}) == 0.5
    assert stage_score({"error": 1.0}) is None
    assert stage_score({}) is None
