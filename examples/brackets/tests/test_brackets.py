import pytest

from brackets import is_balanced, max_depth


@pytest.mark.parametrize("text", ["", "()", "([]{})", "f(a[0], {b: c})"])
def test_balanced(text: str) -> None:
    assert is_balanced(text)


@pytest.mark.parametrize("text", ["(", "(]", "([)]", "(()"])
def test_unbalanced(text: str) -> None:
    assert not is_balanced(text)


@pytest.mark.parametrize("text", [")", "())", "]["])
def test_closer_without_opener(text: str) -> None:
    assert not is_balanced(text)


def test_max_depth() -> None:
    assert max_depth("a(b[c]{d(e)})") == 3
