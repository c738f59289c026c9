"""Run-length encoding of strings."""


def encode(text: str) -> list[tuple[str, int]]:
    """``"aaab"`` -> ``[("a", 3), ("b", 1)]``."""
    runs: list[tuple[str, int]] = []
    if not text:
        return runs
    current, count = text[0], 1
    for ch in text[1:]:
        if ch == current:
            count += 1
        else:
            runs.append((current, count))
            current, count = ch, 1
    return runs


def decode(runs: list[tuple[str, int]]) -> str:
    """The text that :func:`encode` turned into ``runs``."""
    return "".join(ch * count for ch, count in runs)


def compress(text: str) -> str:
    """``"aaab"`` -> ``"3a1b"``."""
    return "".join(f"{count}{ch}" for ch, count in encode(text))
