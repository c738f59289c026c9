"""LlmSettings: defaults from one place, every field documented, unknown keys refused."""

from __future__ import annotations

import pydantic
import pytest

from petri.llm import LlmSettings


def test_defaults() -> None:
    settings = LlmSettings()
    assert settings.backend == "offline" and settings.max_retries == 4
    assert settings.price_input_per_mtok == 0 and settings.temperature is None


@pytest.mark.parametrize(
    ("backend", "model", "key_env"),
    [
        ("openai", "gpt-5.4-mini", "OPENAI_API_KEY"),
        ("anthropic", "claude-sonnet-4-6", "ANTHROPIC_API_KEY"),
    ],
)
def test_per_backend_defaults(backend: str, model: str, key_env: str) -> None:
    settings = LlmSettings(backend=backend)
    assert (settings.model_name, settings.key_env) == (model, key_env)
    custom = LlmSettings(backend=backend, model="mine", api_key_env="MINE")
    assert (custom.model_name, custom.key_env) == ("mine", "MINE")


def test_every_field_is_documented() -> None:
    for name, field in LlmSettings.model_fields.items():
        assert field.description, name


def test_unknown_keys_and_bad_values_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        LlmSettings(api_key="sk-should-never-be-a-setting")  # type: ignore[call-arg]
    with pytest.raises(pydantic.ValidationError):
        LlmSettings(backend="gemini")
    with pytest.raises(pydantic.ValidationError):
        LlmSettings(timeout_s=0)


def test_cost() -> None:
    settings = LlmSettings(price_input_per_mtok=2.0, price_output_per_mtok=10.0)
    assert settings.cost_usd(500_000, 100_000) == pytest.approx(2.0)


@pytest.mark.parametrize("url", ["", "  ", "127.0.0.1:8000/v1", "ftp://host/v1"])
def test_a_base_url_that_is_not_an_http_url_is_refused(url: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="leave it unset"):
        LlmSettings(backend="openai", base_url=url)
    assert LlmSettings(base_url=" http://127.0.0.1:8000/v1 ").base_url == "http://127.0.0.1:8000/v1"
