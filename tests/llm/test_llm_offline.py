"""The default backend: no model, and every call says how to configure one."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from petri.errors import ModelError
from petri.llm import LlmSettings, Message, OfflineModel, from_settings


class Anything(BaseModel):
    value: int


def test_offline_is_the_default_and_unavailable() -> None:
    model = from_settings(LlmSettings())
    assert isinstance(model, OfflineModel)
    assert model.available is False
    assert repr(model) == "OfflineModel()"


@pytest.mark.parametrize("stream", [False, True])
def test_complete_names_the_setting(stream: bool) -> None:
    with pytest.raises(ModelError, match="no model configured: set PETRI_LLM__BACKEND"):
        from_settings(LlmSettings()).complete([Message(role="user", content="hi")], stream=stream)


def test_structured_names_the_setting() -> None:
    with pytest.raises(ModelError, match=r"PETRI_LLM__BACKEND=openai\|anthropic"):
        from_settings(LlmSettings()).structured([Message(role="user", content="hi")], Anything)
