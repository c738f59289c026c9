"""The default backend: no model at all.

Every call raises ``ModelError`` naming the settings that configure a model; ``available`` is
False, so the planner and the coder check it first and fall back to analysis and evolution
instead of calling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel

from petri.errors import ModelError
from petri.llm.base import Completion, Message, Model

__all__ = ["NO_MODEL", "OfflineModel"]

T = TypeVar("T", bound=BaseModel)

NO_MODEL = (
    "no model configured: set PETRI_LLM__BACKEND=openai|anthropic (and the key in "
    "OPENAI_API_KEY / ANTHROPIC_API_KEY or PETRI_LLM__KEY_FILE), or [llm] in petri.toml"
)


class OfflineModel(Model):
    """A model that is not there; asking it is a configuration mistake, said plainly."""

    backend = "offline"

    @property
    def available(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "OfflineModel()"

    def _complete(self, messages: list[Message], *, max_tokens: int, stream: bool) -> Completion:
        raise ModelError(NO_MODEL)

    def structured(self, messages: Sequence[Message], schema: type[T], *, attempts: int = 2) -> T:
        raise ModelError(NO_MODEL)
