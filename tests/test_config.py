"""Settings: documented, read from petri.toml, overridden by PETRI_* variables, loud when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from petri.config import Limits, SandboxSettings, Settings, load_settings
from petri.errors import ConfigError


def all_fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str | None]]:
    """(dotted name, description) of every field, recursing into nested models."""
    found = []
    for name, info in model.model_fields.items():
        found.append((prefix + name, info.description))
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            found += all_fields(info.annotation, f"{prefix}{name}.")
    return found


def test_every_setting_is_documented() -> None:
    fields = all_fields(Settings)
    assert "limits.memory_mb" in dict(fields)  # the walk reaches the nested models
    assert "sandbox.jail" in dict(fields)
    undocumented = [name for name, description in fields if not (description or "").strip()]
    assert undocumented == []


def test_defaults_without_a_problem() -> None:
    settings = load_settings()
    assert settings.limits == Limits()
    assert settings.sandbox == SandboxSettings()
    assert (settings.program, settings.judge) == (None, "auto")


def test_petri_toml_is_read(tmp_path: Path) -> None:
    (tmp_path / "petri.toml").write_text(
        'program = "fizz.py"\n[limits]\nmemory_mb = 256\n[sandbox]\njail = "rlimits"\n'
    )
    settings = load_settings(tmp_path)
    assert settings.program == "fizz.py"
    assert settings.limits.memory_mb == 256
    assert settings.limits.test_timeout_s == Limits().test_timeout_s  # untouched keys keep defaults
    assert settings.sandbox.jail == "rlimits"


def test_environment_overrides_petri_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "petri.toml").write_text("[limits]\nmemory_mb = 256\nwall_time_s = 30\n")
    monkeypatch.setenv("PETRI_LIMITS__MEMORY_MB", "512")
    settings = load_settings(tmp_path)
    assert settings.limits.memory_mb == 512
    assert settings.limits.wall_time_s == 30.0  # the rest of the table still comes from the file


def test_overrides_beat_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "petri.toml").write_text('judge = "tests"\n')
    monkeypatch.setenv("PETRI_JUDGE", "tests")
    assert load_settings(tmp_path, judge="evaluate").judge == "evaluate"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[limits]\nmemory_mb = "lots"\n', "limits.memory_mb"),
        ("[limits]\nmemory_mb = 1\n", "limits.memory_mb"),
        ('[sandbox]\njail = "docker"\n', "sandbox.jail"),
        ("[limits]\nmemroy_mb = 512\n", "limits.memroy_mb"),
        ("judge = 3\n", "judge"),
        ('[evolve]\noperators = "binop_swap,flip"\n', "evolve.operators"),
    ],
    ids=["wrong-type", "too-small", "not-a-choice", "typo", "judge-not-a-string", "operator"],
)
def test_wrong_value_in_petri_toml(tmp_path: Path, toml: str, key: str) -> None:
    (tmp_path / "petri.toml").write_text(toml)
    with pytest.raises(ConfigError) as exc:
        load_settings(tmp_path)
    message = str(exc.value)
    assert "\n" not in message
    assert repr(key) in message
    assert "petri.toml" in message  # names where to fix it


def test_wrong_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PETRI_LIMITS__MEMORY_MB", "lots")
    with pytest.raises(ConfigError) as exc:
        load_settings()
    assert "\n" not in str(exc.value)
    assert "PETRI_LIMITS__MEMORY_MB" in str(exc.value)


def test_broken_toml(tmp_path: Path) -> None:
    (tmp_path / "petri.toml").write_text("[limits\nmemory_mb = \n")
    with pytest.raises(ConfigError) as exc:
        load_settings(tmp_path)
    assert "\n" not in str(exc.value)
    assert "not valid TOML" in str(exc.value)


def test_binary_toml(tmp_path: Path) -> None:
    (tmp_path / "petri.toml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError):
        load_settings(tmp_path)


def test_operators_are_all_the_classic_statement_edits_or_a_list_of_names() -> None:
    from petri.config import EvolveSettings
    from petri.program.operators import STATEMENT_OPS

    assert EvolveSettings().operator_names() is None
    assert EvolveSettings(operators="statements").operator_names() == sorted(STATEMENT_OPS)
    listed = EvolveSettings(operators=" name_replace, binop_swap,name_replace")
    assert listed.operators == "binop_swap,name_replace"  # as recorded with the run
    assert listed.operator_names() == ["binop_swap", "name_replace"]
