"""Sets that lose the order of what they deduplicate (``list(set(xs))`` for "the distinct
values in order"), the slip ``keep_order`` repairs: rare in the corpus's other programs."""


def distinct(values: list[int]) -> list[int]:
    return list(set(values))


def distinct_words(text: str) -> list[str]:
    words = text.split()
    return list(set(words))
