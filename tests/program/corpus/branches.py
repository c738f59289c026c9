"""Functions that end in an ``if`` and return None when no branch returns, the place
``return_end`` adds a return: rare enough in the corpus's other programs."""


def sign(value: float) -> int | None:
    if value > 0:
        return 1
    elif value < 0:
        return -1


def longest(lines: list[str]) -> str | None:
    if lines:
        return max(lines, key=len)
