"""Optional model backends behind one interface, chosen by name and imported lazily.

>>> model = from_settings(LlmSettings())  # backend "offline": no model at all
>>> model.available
False

Backends: ``offline`` (the default), ``openai`` (OpenAI or any OpenAI-compatible endpoint:
vLLM, llama.cpp, Ollama) and ``anthropic``; the last two need ``pip install 'petridish[llm]'``.
Also here: the search/replace edit blocks the coder asks models for.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

from petri.errors import ConfigError, MissingDriver, ModelOutputError
from petri.llm.base import Completion, Ledger, Message, Model, Usage, extract_json
from petri.llm.keys import install_redaction, redact, resolve_key
from petri.llm.offline import OfflineModel
from petri.llm.settings import LlmSettings

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


@dataclass(frozen=True)
class Edit:
    """Replace the exact text ``search`` (whole lines) by ``replace``."""

    search: str
    replace: str


_BLOCK = re.compile(
    r"^<{5,9} ?SEARCH[ \t]*\n(.*?)^={5,9}[ \t]*\n(.*?)^>{5,9} ?REPLACE[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
_OPENING = re.compile(r"^<{5,9} ?SEARCH[ \t]*$", re.MULTILINE)


def parse_search_replace(text: str) -> list[Edit]:
    """The edits in a model's answer, in order.

    Each is a block of lines: ``<<<<<<< SEARCH``, the old lines, ``=======``, the new lines,
    ``>>>>>>> REPLACE`` (markers of 5 to 9 characters are accepted). Text around the blocks
    (prose, code fences) is ignored. A block that is opened and never closed raises
    ``ModelOutputError``: applying the others alone could break the program.
    """
    text = text.replace("\r\n", "\n")
    edits = [Edit(m.group(1), m.group(2)) for m in _BLOCK.finditer(text)]
    opened = len(_OPENING.findall(text))
    if opened != len(edits):
        raise ModelOutputError(
            f"{opened - len(edits)} of {opened} SEARCH/REPLACE blocks are not closed by "
            "'=======' and '>>>>>>> REPLACE'"
        )
    return edits


def apply_search_replace(source: str, edits: list[Edit]) -> str:
    """``source`` with each edit applied in turn; each SEARCH must occur exactly once.

    Raises ``ModelOutputError`` naming the block (its number and first line) otherwise. An empty
    SEARCH is allowed only on an empty source (the block writes a new file).
    """
    # Blocks end with a newline; a source whose last line lacks one would never match it.
    added = not source.endswith("\n")
    result = source + "\n" if added and source else source
    for number, edit in enumerate(edits, start=1):
        if not edit.search:
            if result:
                raise ModelOutputError(f"{_name(number, edit)} has an empty SEARCH section")
            result = edit.replace
            continue
        found = result.count(edit.search)
        if found != 1:
            problem = "not found" if not found else f"found {found} times (add lines to pin it)"
            raise ModelOutputError(f"{_name(number, edit)} {problem} in the source")
        result = result.replace(edit.search, edit.replace, 1)
    if added and source and result.endswith("\n"):
        result = result[:-1]
    return result


def _name(number: int, edit: Edit) -> str:
    first = next((line.strip() for line in edit.search.splitlines() if line.strip()), "")
    return f"SEARCH block {number} ({first[:60]!r})" if first else f"SEARCH block {number}"
