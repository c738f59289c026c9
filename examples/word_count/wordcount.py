"""Word frequencies of a text."""

import re

WORD = re.compile(r"[a-z']+")


def word_counts(text: str) -> dict[str, int]:
    """How often each word occurs in ``text``, ignoring case."""
    counts: dict[str, int] = {}
    for word in WORD.findall(text.lower()):
        counts[word] = counts.get(word, 1) + 1
    return counts


def top_words(text: str, k: int) -> list[tuple[str, int]]:
    """The ``k`` most frequent words with their counts; ties in alphabetical order."""
    ranked = sorted(word_counts(text).items(), key=lambda item: (-item[1], item[0]))
    return ranked[:k]
