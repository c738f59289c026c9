"""A pool of GitHub tokens used in turn, each with the rate limit GitHub last reported for it.

Every answer's ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` are recorded for the token
that got it; a spent token is skipped until its reset. With no token the pool holds one
anonymous slot, tracked the same way, so the anonymous limit (60 an hour) is respected too.
A token is never printed: reprs, logs and errors name it by position and, for long tokens, its
last four characters (``token 2 (…a1b2)``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from petri.errors import PetriError

log = logging.getLogger("petri.integrations.github")

TOKENS_ENV = "PETRI_GITHUB_TOKENS (comma-separated) or GITHUB_TOKEN"


class GitHubError(PetriError):
    """GitHub answered something petri cannot use; the message says what to do."""


@dataclass(eq=False)
class Slot:
    """One token (``secret`` None: anonymous) and what GitHub last said about its limit."""

    secret: str | None
    label: str
    remaining: int | None = None
    reset: float = 0.0

    def __repr__(self) -> str:  # the dataclass repr would print the secret
        return f"Slot({self.label}, remaining={self.remaining}, reset={self.reset:g})"

    def usable(self, now: float) -> bool:
        return self.remaining is None or self.remaining > 0 or self.reset <= now


def _label(index: int, secret: str) -> str:
    # Four characters of a short secret would be a real part of it: name those by position only.
    tail = f" (…{secret[-4:]})" if len(secret) >= 20 else ""
    return f"token {index + 1}{tail}"


class TokenPool:
    """Tokens in round-robin turn; spent ones wait for their reset, refused ones leave."""

    def __init__(self, tokens: Sequence[str] = ()) -> None:
        secrets = [t.strip() for t in tokens if t.strip()]
        self.anonymous = not secrets
        self.slots = [Slot(s, _label(i, s)) for i, s in enumerate(secrets)]
        if self.anonymous:
            self.slots = [Slot(None, "anonymous")]
        self._turn = 0

    def __repr__(self) -> str:
        return "TokenPool(anonymous)" if self.anonymous else f"TokenPool({len(self.slots)} tokens)"

    def pick(self, now: float) -> tuple[Slot | None, float]:
        """The next usable slot, or None and the seconds until the earliest reset."""
        if not self.slots:
            raise GitHubError(f"GitHub refused every token (401): check {TOKENS_ENV}")
        count = len(self.slots)
        for step in range(count):
            slot = self.slots[(self._turn + step) % count]
            if slot.usable(now):
                self._turn = (self._turn + step + 1) % count
                return slot, 0.0
        return None, max(0.0, min(s.reset for s in self.slots) - now)

    @staticmethod
    def authorization(slot: Slot) -> dict[str, str]:
        return {} if slot.secret is None else {"Authorization": f"token {slot.secret}"}

    @staticmethod
    def record(slot: Slot, headers: Mapping[str, str]) -> None:
        """Remember the limit an answer reported (``headers`` keys in lower case)."""
        remaining = _number(headers.get("x-ratelimit-remaining"))
        reset = _number(headers.get("x-ratelimit-reset"))
        if remaining is not None:
            slot.remaining = int(remaining)
        if reset is not None:
            slot.reset = reset

    def drop(self, slot: Slot) -> None:
        """Leave out a token GitHub refused (401), so no later request wastes a turn on it."""
        log.warning("GitHub refused %s of the pool (401); it is left out", slot.label)
        self.slots = [s for s in self.slots if s is not slot]
        self._turn = 0


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None
