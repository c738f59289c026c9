"""OpenAI and OpenAI-compatible endpoints (hosted, vLLM, llama.cpp, Ollama) via the openai SDK.

Imported only when ``llm.backend = "openai"``: the SDK is an optional extra (``petridish[llm]``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import openai

from petri.llm.base import Completion, Ledger, Message, Model, Usage
from petri.llm.retry import RetryPolicy, SdkErrors, StreamCut
from petri.llm.settings import LlmSettings

if TYPE_CHECKING:
    from openai.types import CompletionUsage
    from openai.types.chat import ChatCompletionMessageParam

__all__ = ["OpenAIModel"]

log = logging.getLogger(__name__)

SDK_ERRORS = SdkErrors(
    base=openai.OpenAIError,
    status=openai.APIStatusError,
    timeout=openai.APITimeoutError,
    connection=openai.APIConnectionError,
)


def uses_completion_tokens(base_url: str | None) -> bool:
    """Whether the endpoint wants ``max_completion_tokens`` rather than ``max_tokens``.

    OpenAI's own API refuses ``max_tokens`` for its reasoning models; compatible servers
    (vLLM, llama.cpp, Ollama) have long understood ``max_tokens`` and not always the new name.
    """
    return base_url is None or "api.openai.com" in base_url


class OpenAIModel(Model):
    """Chat completions through ``openai.OpenAI``; retries are ours (``RetryPolicy``)."""

    backend = "openai"

    def __init__(
        self, settings: LlmSettings, ledger: Ledger | None = None, *, api_key: str
    ) -> None:
        super().__init__(settings, ledger)
        # No network here: the SDK client connects on the first request.
        self._client = openai.OpenAI(
            api_key=api_key,
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=0,
        )
        self._retry = RetryPolicy(settings, SDK_ERRORS)
        self._warned_usage = False

    def _complete(self, messages: list[Message], *, max_tokens: int, stream: bool) -> Completion:
        params = cast("list[ChatCompletionMessageParam]", [m.model_dump() for m in messages])
        if stream:
            return self._retry.call(lambda: self._stream(params, max_tokens))
        return self._retry.call(lambda: self._once(params, max_tokens))

    def _limits(self, max_tokens: int) -> tuple[int | openai.Omit, int | openai.Omit]:
        """(max_completion_tokens, max_tokens): one of them set, the other left out."""
        if uses_completion_tokens(self.settings.base_url):
            return max_tokens, openai.omit
        return openai.omit, max_tokens

    def _once(self, params: list[ChatCompletionMessageParam], max_tokens: int) -> Completion:
        temperature = self.settings.temperature
        new_limit, old_limit = self._limits(max_tokens)
        response = self._client.chat.completions.create(
            model=self.model_name,
            messages=params,
            temperature=openai.omit if temperature is None else temperature,
            max_completion_tokens=new_limit,
            max_tokens=old_limit,
        )
        choice = response.choices[0] if response.choices else None
        return Completion(
            text=(choice.message.content or "") if choice else "",
            usage=self._usage(response.usage),
            model=response.model or self.model_name,
            finish_reason=choice.finish_reason if choice else None,
        )

    def _stream(self, params: list[ChatCompletionMessageParam], max_tokens: int) -> Completion:
        temperature = self.settings.temperature
        new_limit, old_limit = self._limits(max_tokens)
        parts: list[str] = []
        finish: str | None = None
        usage: CompletionUsage | None = None
        model = self.model_name
        with self._client.chat.completions.create(
            model=self.model_name,
            messages=params,
            temperature=openai.omit if temperature is None else temperature,
            stream=True,
            # The usage arrives in a last chunk without choices, only when asked for.
            stream_options={"include_usage": True},
            max_completion_tokens=new_limit,
            max_tokens=old_limit,
        ) as chunks:
            for chunk in chunks:
                model = chunk.model or model
                usage = chunk.usage or usage
                for choice in chunk.choices:
                    parts.append(choice.delta.content or "")
                    finish = choice.finish_reason or finish
        if finish is None:  # every server ends a whole answer with a finish_reason
            raise StreamCut("no finish_reason")
        return Completion(
            text="".join(parts), usage=self._usage(usage), model=model, finish_reason=finish
        )

    def _usage(self, usage: CompletionUsage | None) -> Usage:
        if usage is None:
            if not self._warned_usage:
                # Some compatible servers ignore include_usage; budgets then cannot count.
                log.warning("%s reports no token usage; budgets cannot count it", self)
                self._warned_usage = True
            return Usage()
        return Usage(input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens)
