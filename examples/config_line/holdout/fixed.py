"""Parse ``key = value`` configuration lines."""


def parse_line(line: str) -> tuple[str, str] | None:
    """``(key, value)`` for a ``key = value`` line; None for a blank or comment-only line.

    Text after ``#`` is a comment. Raises ValueError for a line without ``=`` or without a key.
    """
    text = line.split("#", 1)[0].strip()
    if not text:
        return None
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"expected key = value, got {line!r}")
    return key, value.strip()


def parse_config(text: str) -> dict[str, str]:
    """Every ``key = value`` pair of a file; a later line overrides an earlier one."""
    pairs = {}
    for line in text.splitlines():
        parsed = parse_line(line)
        if parsed is not None:
            key, value = parsed
            pairs[key] = value
    return pairs
