from wordcount import top_words, word_counts

TEXT = "The cat saw the dog. The dog ran!"


def test_empty_text() -> None:
    assert word_counts("") == {}


def test_the_words() -> None:
    assert set(word_counts(TEXT)) == {"the", "cat", "saw", "dog", "ran"}


def test_counts() -> None:
    assert word_counts(TEXT) == {"the": 3, "cat": 1, "saw": 1, "dog": 2, "ran": 1}


def test_case_is_ignored() -> None:
    assert word_counts("Go go GO") == {"go": 3}


def test_ranking() -> None:
    assert [word for word, _ in top_words(TEXT, 3)] == ["the", "dog", "cat"]


def test_top_words_with_counts() -> None:
    assert top_words(TEXT, 2) == [("the", 3), ("dog", 2)]
