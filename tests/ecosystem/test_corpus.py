"""Founders from a corpus folder, and the bundled corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from petri.ecosystem.corpus import MAX_FILE_BYTES, bundled_corpus, founders_of, read_corpus
from petri.errors import ConfigError


def test_every_top_level_function_becomes_a_founder_named_organism() -> None:
    text = (
        "import math\n\n\ndef fact(n):\n    return 1 if n < 2 else n * fact(n - 1)\n\n\n"
        "async def later():\n    pass\n\n\n@staticmethod\ndef decorated():\n    pass\n\n\n"
        "def root(x):\n    return math.sqrt(x)\n"
    )
    founders = founders_of(text)
    assert len(founders) == 2
    assert "def organism(n):" in founders[0] and "n * organism(n - 1)" in founders[0]
    assert founders[1].startswith("import math\n") and "def organism(x):" in founders[1]


def test_a_folder_gives_its_functions_and_counts_what_it_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text("def f(a, b):\n    return a - b\n")
    (tmp_path / "same.py").write_text("def g(a, b):\n    return a - b\n")  # the same genome
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "binary.py").write_bytes(b"def f():\n    return 1\n\0\0")
    (tmp_path / "latin.py").write_bytes("x = 'é'\n".encode("latin-1"))
    (tmp_path / "huge.py").write_text("x = 1\n" * (MAX_FILE_BYTES // 6 + 10))
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "h.py").write_text("def h():\n    return 2\n")
    corpus = read_corpus(tmp_path)
    assert corpus.founders == ["def organism(a, b):\n    return a - b\n"]
    reasons = {Path(k).name: v for k, v in corpus.skipped.items()}
    assert reasons["broken.py"].startswith("does not parse")
    assert reasons["binary.py"] == "binary (NUL bytes)"
    assert reasons["latin.py"] == "not UTF-8 text"
    assert reasons["huge.py"].startswith("larger than")


def test_a_corpus_without_functions_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "data.py").write_text("X = 1\n")
    with pytest.raises(ConfigError, match="has no top-level Python function"):
        read_corpus(tmp_path)
    with pytest.raises(ConfigError, match="is not a folder"):
        read_corpus(tmp_path / "missing")


def test_the_bundled_corpus_ships_founders() -> None:
    corpus = read_corpus(bundled_corpus())
    assert len(corpus.founders) >= 20 and not corpus.skipped
    assert all("def organism(" in f for f in corpus.founders)
