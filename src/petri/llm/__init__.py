"""Optional model backends behind one interface, chosen by name and imported lazily.

>>> model = from_settings(LlmSettings())  # backend "offline": no model at all
>>> model.available
False

Backends: ``offline`` (the default), ``openai`` (OpenAI or any OpenAI-compatible endpoint:
vLLM, llama.cpp, Ollama) and ``anthropic``; the last two need ``pip install 'petridish[llm]'``.
Also here, re-exported from ``petri.program.search_replace``: the search/replace edit blocks
models are asked for (``Edit`` is its ``Block``).
"""

from __future__ import annotations

import importlib

from petri.errors import ConfigError, MissingDriver
from petri.llm.base import Completion, Ledger, Message, Model, Usage, extract_json
from petri.llm.keys import install_redaction, redact, resolve_key
from petri.llm.offline import OfflineModel
from petri.llm.settings import LlmSettings
from petri.program.search_replace import Block as Edit
from petri.program.search_replace import apply_search_replace, parse_search_replace

__all__ = [
    "Completion",
    "Edit",
    "Ledger",
    "LlmSettings",
    "Message",
    "Model",
    "OfflineModel",
    "Usage",
    "apply_search_replace",
    "extract_json",
    "from_settings",
    "parse_search_replace",
    "redact",
]

# backend -> (module, class, third-party SDK it needs)
_BACKENDS: dict[str, tuple[str, str, str]] = {
    "openai": ("petri.llm.openai_backend", "OpenAIModel", "openai"),
    "anthropic": ("petri.llm.anthropic_backend", "AnthropicModel", "anthropic"),
}
# Sent to a self-hosted endpoint (base_url set) when no key is configured: they take any key.
NO_KEY = "no-key"


def from_settings(settings: LlmSettings, ledger: Ledger | None = None) -> Model:
    """The model the settings name, charging ``ledger`` (a fresh unlimited one if None).

    Raises ``ConfigError`` for an unknown backend or a missing key (a self-hosted ``base_url``
    needs none) and ``MissingDriver``, naming the ``pip install``, when the SDK is absent.
    Builds the SDK client without connecting.
    """
    name = settings.backend
    if name == "offline":
        return OfflineModel(settings, ledger)
    if name not in _BACKENDS:
        known = ", ".join(["offline", *_BACKENDS])
        raise ConfigError(f"unknown llm backend {name!r}: set llm.backend to one of {known}")
    module_name, class_name, driver = _BACKENDS[name]
    try:
        importlib.import_module(driver)
    except ImportError as exc:
        raise MissingDriver(
            f"the {name} model backend needs the {driver} SDK: pip install 'petridish[llm]'"
        ) from exc
    key = resolve_key(settings)
    if key is None:
        if settings.base_url is None:
            raise ConfigError(
                f"no API key for the {name} backend: set {settings.key_env} "
                "or PETRI_LLM__KEY_FILE (a file holding the key)"
            )
        key = NO_KEY
    cls = getattr(importlib.import_module(module_name), class_name)
    install_redaction()  # after the imports: the SDKs' module loggers exist by now
    model: Model = cls(settings, ledger, api_key=key)
    return model
