"""Anthropic's Messages API via the anthropic SDK.

Imported only when ``llm.backend = "anthropic"``: the SDK is an optional extra (``petridish[llm]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import anthropic
import httpx2  # the SDK's transport: a stream cut mid-answer surfaces as its raw error

from petri.llm.base import Completion, Ledger, Message, Model, Usage
from petri.llm.retry import RetryPolicy, SdkErrors, StreamCut
from petri.llm.settings import LlmSettings

if TYPE_CHECKING:
    from anthropic.types import MessageParam, RawMessageStreamEvent

__all__ = ["AnthropicModel", "to_anthropic"]

SDK_ERRORS = SdkErrors(
    base=anthropic.AnthropicError,
    status=anthropic.APIStatusError,
    timeout=anthropic.APITimeoutError,
    connection=anthropic.APIConnectionError,
    transport=(httpx2.TransportError,),
)


def to_anthropic(messages: list[Message]) -> tuple[str, list[MessageParam]]:
    """(system prompt, turns): system messages move to ``system``; consecutive turns of one
    role are joined, since the API wants user and assistant to alternate."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    turns: list[dict[str, str]] = []
    for message in messages:
        if message.role == "system":
            continue
        if turns and turns[-1]["role"] == message.role:
            turns[-1]["content"] += "\n\n" + message.content
        else:
            turns.append({"role": message.role, "content": message.content})
    return system, cast("list[MessageParam]", turns)


class _Stream:
    """What the events of a streamed answer add up to."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.parts: list[str] = []
        self.input_tokens = 0
        self.output_tokens = 0
        self.finish: str | None = None
        self.stopped = False

    def feed(self, event: RawMessageStreamEvent) -> None:
        if event.type == "message_start":
            self.model = event.message.model or self.model
            self.input_tokens = _input_tokens(event.message.usage)
            self.output_tokens = event.message.usage.output_tokens
        elif event.type == "content_block_delta" and event.delta.type == "text_delta":
            self.parts.append(event.delta.text)
        elif event.type == "message_delta":
            # Usage in message_delta is cumulative; input tokens may be restated there.
            self.finish = event.delta.stop_reason or self.finish
            self.output_tokens = event.usage.output_tokens
            if event.usage.input_tokens is not None:
                self.input_tokens = _input_tokens(event.usage)
        elif event.type == "message_stop":
            self.stopped = True

    def completion(self) -> Completion:
        if not self.stopped:
            raise StreamCut("no message_stop event")
        usage = Usage(input_tokens=self.input_tokens, output_tokens=self.output_tokens)
        return Completion(
            text="".join(self.parts), usage=usage, model=self.model, finish_reason=self.finish
        )


def _input_tokens(usage: Any) -> int:
    """Input tokens billed, cache writes and reads included."""
    return sum(
        getattr(usage, name, None) or 0
        for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )


class AnthropicModel(Model):
    """Messages through ``anthropic.Anthropic``; retries are ours (``RetryPolicy``)."""

    backend = "anthropic"

    def __init__(
        self, settings: LlmSettings, ledger: Ledger | None = None, *, api_key: str
    ) -> None:
        super().__init__(settings, ledger)
        # An explicit key: the SDK then reads no credentials or profiles from the environment.
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=0,
        )
        self._retry = RetryPolicy(settings, SDK_ERRORS)

    def _complete(self, messages: list[Message], *, max_tokens: int, stream: bool) -> Completion:
        system, turns = to_anthropic(messages)
        if stream:
            return self._retry.call(lambda: self._stream(system, turns, max_tokens))
        return self._retry.call(lambda: self._once(system, turns, max_tokens))

    def _extra(self) -> dict[str, float] | None:
        # The SDK no longer lists temperature; the API still takes it in the body.
        temperature = self.settings.temperature
        return None if temperature is None else {"temperature": temperature}

    def _once(self, system: str, turns: list[MessageParam], max_tokens: int) -> Completion:
        response = self._client.messages.create(
            model=self.model_name,
            max_tokens=max_tokens,
            messages=turns,
            system=system or anthropic.omit,
            extra_body=self._extra(),
        )
        text = "".join(block.text for block in response.content if block.type == "text")
        usage = Usage(
            input_tokens=_input_tokens(response.usage),
            output_tokens=response.usage.output_tokens,
        )
        return Completion(
            text=text,
            usage=usage,
            model=response.model or self.model_name,
            finish_reason=response.stop_reason,
        )

    def _stream(self, system: str, turns: list[MessageParam], max_tokens: int) -> Completion:
        state = _Stream(self.model_name)
        with self._client.messages.create(
            model=self.model_name,
            max_tokens=max_tokens,
            messages=turns,
            system=system or anthropic.omit,
            extra_body=self._extra(),
            stream=True,
        ) as events:
            for event in events:
                state.feed(event)
        return state.completion()
