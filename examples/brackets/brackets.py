"""Balanced brackets: (), [] and {} must close in the reverse order they opened."""

CLOSER = {"(": ")", "[": "]", "{": "}"}


def is_balanced(text: str) -> bool:
    """Whether every bracket in ``text`` is closed by its partner, innermost first."""
    expected: list[str] = []  # the closers still owed, innermost last
    for ch in text:
        if ch in CLOSER:
            expected.append(CLOSER[ch])
        elif ch in ")]}":
            if expected.pop() != ch:
                return False
    return not expected


def max_depth(text: str) -> int:
    """How deeply the brackets of ``text`` nest (``text`` is assumed balanced)."""
    depth = best = 0
    for ch in text:
        if ch in CLOSER:
            depth += 1
            best = max(best, depth)
        elif ch in ")]}":
            depth -= 1
    return best
