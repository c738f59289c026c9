"""The coder's model strategy: ask for search/replace edits of one file, turn each answer into a
candidate program. The candidates are judged in the sandbox like any other; a model that
answers garbage costs a failed attempt (recorded), never a wrong promotion."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from petri.errors import ModelError, ModelOutputError

#: Answers asked for per task; each one a candidate.
PROPOSALS = 2

SYSTEM = (
    "You repair Python code. Answer only with one or more SEARCH/REPLACE blocks:\n"
    "<<<<<<< SEARCH\nexact lines of the file\n=======\nthe lines to put instead\n"
    ">>>>>>> REPLACE\nEach SEARCH must match the file exactly once. Change as little as you can."
)


def propose(
    model: Any,
    rel: str,
    source: str,
    failing: Mapping[str, str],
    *,
    messages: Mapping[str, str],
    record: Callable[[str, dict[str, Any]], object],
    task_id: str,
) -> list[str]:
    """Up to ``PROPOSALS`` candidate programs from the model's edits of ``rel``."""
    from petri.llm import apply_search_replace, parse_search_replace
    from petri.llm.base import Message

    failures = "\n".join(f"- {t}: {messages.get(t, o)}" for t, o in sorted(failing.items()))
    prompt = f"File {rel}:\n```python\n{source}```\nFailing tests:\n{failures or '- (none)'}\n"
    conversation = [Message(role="system", content=SYSTEM), Message(role="user", content=prompt)]
    found: list[str] = []
    for attempt in range(PROPOSALS):
        try:
            answer = model.complete(conversation).text
            candidate = _apply(answer, source, parse_search_replace, apply_search_replace)
        except ModelOutputError as exc:
            record(
                "model_answer_rejected", {"task": task_id, "attempt": attempt, "error": str(exc)}
            )
            conversation = [*conversation, Message(role="user", content=f"Invalid: {exc}. Again.")]
            continue
        except ModelError as exc:  # unreachable or refusing: the search goes on without it
            record("model_unavailable", {"task": task_id, "error": str(exc)})
            break
        found.append(candidate)
        conversation = [*conversation, Message(role="assistant", content=answer),
                        Message(role="user", content="Another, different repair.")]  # fmt: skip
    return found


def _apply(answer: str, source: str, parse: Any, apply: Any) -> str:
    edits = parse(answer)
    if not edits:
        raise ModelOutputError("the answer holds no SEARCH/REPLACE block")
    return str(apply(source, edits))
