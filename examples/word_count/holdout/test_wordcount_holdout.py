from wordcount import top_words, word_counts


def test_apostrophes_stay_in_words() -> None:
    assert word_counts("don't stop, don't") == {"don't": 2, "stop": 1}


def test_digits_and_punctuation_are_separators() -> None:
    assert word_counts("a1b--a") == {"a": 2, "b": 1}


def test_counts_sum_to_the_number_of_words() -> None:
    text = "one two two three three three"
    assert sum(word_counts(text).values()) == 6


def test_top_words_beyond_the_vocabulary() -> None:
    assert top_words("b a b", 10) == [("b", 2), ("a", 1)]
