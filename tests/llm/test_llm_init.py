"""from_settings: the backend by name, imported lazily, with errors that name the fix."""

from __future__ import annotations

import sys

import pytest

from fake_servers import KEY_ENV, Vendor, answer
from petri.errors import ConfigError, MissingDriver
from petri.llm import LlmSettings, Message, from_settings


def test_unknown_backend() -> None:
    # Past validation, as a bug (or a later Settings change) might let it through.
    settings = LlmSettings().model_copy(update={"backend": "gemini"})
    with pytest.raises(ConfigError, match=r"unknown llm backend 'gemini'.*offline, openai"):
        from_settings(settings)


@pytest.mark.parametrize("backend", ["openai", "anthropic"])
def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    monkeypatch.setitem(sys.modules, backend, None)  # makes `import openai` fail
    with pytest.raises(MissingDriver, match=r"pip install 'petridish\[llm\]'"):
        from_settings(LlmSettings(backend=backend))


@pytest.mark.parametrize(
    ("backend", "variable"), [("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")]
)
def test_hosted_endpoint_needs_a_key(backend: str, variable: str) -> None:
    with pytest.raises(ConfigError, match=f"no API key for the {backend} backend: set {variable}"):
        from_settings(LlmSettings(backend=backend))


def test_self_hosted_endpoint_needs_no_key(vendor: Vendor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    model = from_settings(vendor.settings())
    assert model.available is True
    vendor.server.push(answer("served locally"))
    assert model.complete([Message(role="user", content="hi")]).text == "served locally"


def test_repr_names_model_and_endpoint(vendor: Vendor) -> None:
    model = vendor.model()
    assert repr(model).endswith(f"(model='test-model', base_url='{vendor.server.url}')")
