"""Lists kept as what an in-place method returns (None), the slip ``inplace_result`` repairs:
rare in the corpus's other programs, which are correct."""


def unique(items: list[int]) -> list[int]:
    result: list[int] = []
    for item in items:
        if item not in result:
            result = result.append(item)  # type: ignore[func-returns-value]
    return result


def by_length(names: list[str]) -> list[str]:
    return names.sort(key=len)  # type: ignore[func-returns-value]
