"""Search/replace edit blocks: parsing a model's answer and applying it to a source."""

from __future__ import annotations

import pytest

from petri.errors import ModelOutputError
from petri.llm import Edit, apply_search_replace, parse_search_replace

SOURCE = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"

ANSWER = """I fixed add:

```python
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
```
and documented sub:
<<<<<<< SEARCH
def sub(a, b):
=======
def sub(a, b):
    \"\"\"a minus b\"\"\"
>>>>>>> REPLACE
"""


def test_parse_blocks_in_order() -> None:
    edits = parse_search_replace(ANSWER)
    assert edits == [
        Edit("def add(a, b):\n    return a - b\n", "def add(a, b):\n    return a + b\n"),
        Edit("def sub(a, b):\n", 'def sub(a, b):\n    """a minus b"""\n'),
    ]


def test_parse_tolerates_crlf_and_empty_sections() -> None:
    text = "<<<<<<< SEARCH\r\nx = 1\r\n=======\r\n>>>>>>> REPLACE\r\n"
    assert parse_search_replace(text) == [Edit("x = 1\n", "")]
    assert parse_search_replace("no edits at all") == []


def test_parse_refuses_an_unclosed_block() -> None:
    with pytest.raises(ModelOutputError, match="1 of 3 SEARCH/REPLACE blocks are not closed"):
        parse_search_replace(ANSWER + "<<<<<<< SEARCH\nx\n=======\ny\n")


def test_apply() -> None:
    result = apply_search_replace(SOURCE, parse_search_replace(ANSWER))
    assert "return a + b" in result and '"""a minus b"""' in result
    assert result.count("return a - b") == 1


def test_apply_to_a_source_without_final_newline() -> None:
    edits = [Edit("y = 2\n", "y = 3\n")]
    assert apply_search_replace("x = 1\ny = 2", edits) == "x = 1\ny = 3"


def test_apply_empty_search_writes_a_new_file() -> None:
    assert apply_search_replace("", [Edit("", "print('hi')\n")]) == "print('hi')\n"
    with pytest.raises(ModelOutputError, match="SEARCH block 1 has an empty SEARCH section"):
        apply_search_replace("x = 1\n", [Edit("", "y\n")])


def test_block_not_found() -> None:
    edits = [Edit("def add(a, b):\n    return a + b\n", "pass\n")]
    with pytest.raises(ModelOutputError) as caught:
        apply_search_replace(SOURCE, edits)
    assert str(caught.value) == "SEARCH block 1 ('def add(a, b):') not found in the source"


def test_block_found_twice() -> None:
    edits = [Edit("def add(a, b):\n", "def add(a, b):\n"), Edit("    return a - b\n", "")]
    with pytest.raises(ModelOutputError, match=r"SEARCH block 2 \('return a - b'\) found 2 times"):
        apply_search_replace(SOURCE, edits)
