"""Functions that end in a loop and return None when nothing matched, the place ``return_end``
adds a return: rare enough in the corpus's other programs."""


def first_even(numbers: list[int]) -> int | None:
    for number in numbers:
        if number % 2 == 0:
            return number


def index_of(word: str, words: list[str]) -> int | None:
    for i, other in enumerate(words):
        if other == word:
            return i
