"""Artifacts: the text an evaluator hands back beside its metrics (logs, errors, profiles).

They come from the problem's evaluator and pass through the candidate's worker, so they are
bounded where they are made (to keep the reply one frame) and checked again by the host before
anyone keeps them. The jailed worker imports this module, so it imports nothing itself.
"""

from __future__ import annotations

#: Artifacts kept per evaluation, characters kept per artifact, and characters in all.
MAX_ARTIFACTS = 64
MAX_ARTIFACT_CHARS = 8_000
MAX_TOTAL_CHARS = 64_000
CUT = "\n[petri: cut]"


def as_text(value: object) -> str:
    """An artifact value as text: bytes decoded as UTF-8 (bad bytes replaced), others by str()."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    try:
        return str(value)
    except Exception as exc:  # a value whose __str__ fails still says what it was
        return f"<{type(value).__name__}: str() raised {type(exc).__name__}>"


def bounded(raw: object) -> dict[str, str]:
    """The valid part of an artifact map: str names to str values, each and all cut to size."""
    if not isinstance(raw, dict):
        return {}
    kept: dict[str, str] = {}
    room = MAX_TOTAL_CHARS
    for name, value in raw.items():
        if len(kept) >= MAX_ARTIFACTS or room <= 0:
            break
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        limit = min(MAX_ARTIFACT_CHARS, room)
        text = value if len(value) <= limit else value[: max(0, limit - len(CUT))] + CUT
        kept[name[:200]] = text
        room -= len(text)
    return kept
