"""Settings of the model backends, nested into petri's ``Settings`` as ``llm``.

A plain ``BaseModel`` (not ``BaseSettings``) so that the parent's environment source fills it:
``PETRI_LLM__BACKEND=openai``, ``PETRI_LLM__MODEL=...``. The key itself is never a setting: only
the name of the variable that holds it, or the path of a file that does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Backend = Literal["offline", "openai", "anthropic"]

# One source of defaults: the model and key variable each backend uses when none is set.
DEFAULT_MODELS: dict[str, str] = {
    "offline": "",
    "openai": "gpt-5.4-mini",
    "anthropic": "claude-sonnet-4-6",
}
DEFAULT_KEY_ENVS: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
}


class LlmSettings(BaseModel):
    """Which model petri may ask, how, and at what price."""

    model_config = ConfigDict(extra="forbid")

    backend: Backend = Field(
        "offline",
        description="offline (no model: analysis and evolution only), openai or anthropic.",
    )
    model: str = Field(
        "",
        description="Model name; empty: gpt-5.4-mini (openai) or claude-sonnet-4-6 (anthropic).",
    )
    base_url: str | None = Field(
        None,
        description=(
            "Endpoint: an OpenAI-compatible URL (hosted, vLLM, llama.cpp, Ollama, e.g. "
            "http://127.0.0.1:8000/v1) or an Anthropic base URL; unset: the vendor's own."
        ),
    )
    api_key_env: str | None = Field(
        None,
        description="Environment variable holding the key; empty: OPENAI_API_KEY or "
        "ANTHROPIC_API_KEY.",
    )
    key_file: Path | None = Field(
        None,
        description="A secret file holding the key (wins over the variable); keep it chmod 600.",
    )
    timeout_s: float = Field(
        300.0, gt=0, description="Seconds one request may take before it is retried."
    )
    max_retries: int = Field(
        4, ge=0, le=20, description="Retries after a 429, a 5xx, a timeout or a lost connection."
    )
    backoff_s: float = Field(
        0.5,
        gt=0,
        le=30,
        description="First wait before a retry, doubled each time, jittered, capped at 30 s; "
        "a server's Retry-After wins.",
    )
    max_tokens_per_call: int = Field(
        4096, ge=1, description="Most output tokens one call may produce."
    )
    price_input_per_mtok: float = Field(
        0.0, ge=0, description="USD per million input tokens, for cost events (0: unknown)."
    )
    price_output_per_mtok: float = Field(
        0.0, ge=0, description="USD per million output tokens, for cost events (0: unknown)."
    )
    temperature: float | None = Field(
        None,
        ge=0,
        le=2,
        description="Sampling temperature; empty: the model's default (some models accept no "
        "other).",
    )

    @field_validator("base_url")
    @classmethod
    def _an_http_url(cls, value: str | None) -> str | None:
        # An empty value (PETRI_LLM__BASE_URL= in a shell) would quietly mean the vendor's
        # hosted endpoint, not the local server the user meant.
        if value is None:
            return None
        if not value.strip().startswith(("http://", "https://")):
            raise ValueError(
                f"base_url {value!r} is not an http(s) URL: give one such as "
                "http://127.0.0.1:8000/v1, or leave it unset for the vendor's endpoint"
            )
        return value.strip()

    @property
    def model_name(self) -> str:
        """The model to ask: the one set, else the backend's default."""
        return self.model or DEFAULT_MODELS[self.backend]

    @property
    def key_env(self) -> str:
        """The environment variable the key is read from."""
        return self.api_key_env or DEFAULT_KEY_ENVS.get(self.backend, "")

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        """What a call with this usage cost at the configured prices."""
        return (
            input_tokens * self.price_input_per_mtok + output_tokens * self.price_output_per_mtok
        ) / 1_000_000
