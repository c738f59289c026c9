"""Operations standing as statements where an augmented assignment was meant (``count + 1``),
the slip ``assign_add`` repairs: rare in the corpus's other programs, which are correct."""


def count_positive(values: list[int]) -> int:
    count = 0
    for value in values:
        if value > 0:
            count + 1
    return count


def halved(total: float, parts: int) -> float:
    share = total
    share / parts
    share * 2
    return share


def total_length(words: list[str]) -> int:
    total = 0
    for word in words:
        total + len(word)
    return total
