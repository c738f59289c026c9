"""The lexicon: the attribute, method and keyword names a program uses."""

from __future__ import annotations

import libcst as cst

from petri.program.edits import Original
from petri.program.lexicon import Lexicon, read_lexicon

SOURCE = """\
import os.path
from collections import deque


class Queue:
    def __init__(self, size, *, strict=False):
        self.items = deque(maxlen=size)

    def push(self, item):
        self.items.append(item)
        return self.items.copy(), os.path.join("a", sep="/")
"""


def test_the_lexicon_of_a_program() -> None:
    lexicon = read_lexicon(cst.parse_module(SOURCE))
    assert lexicon == Lexicon(
        attributes=("items", "path"),  # ``import os.path`` names a module, ``os.path`` is read
        methods=("append", "copy", "join"),
        bare_methods=("copy",),
        keywords=("item", "maxlen", "sep", "size", "strict"),  # no self
        functions=("deque",),
        own_methods=("__init__", "push"),  # a method's span is its class's business
    )


def test_methods_like_a_method_are_the_programs_then_the_usual_confusions() -> None:
    lexicon = Lexicon(methods=("append", "pop"))
    like = lexicon.methods_like("append")
    assert like[0] == "pop"  # the program's own first
    assert {"extend", "add", "insert", "appendleft"} <= set(like)
    assert "append" not in like
    assert Lexicon().methods_like("frobnicate") == ()


def test_functions_like_a_function_are_the_programs_calls_then_the_usual_confusions() -> None:
    lexicon = Lexicon(functions=("helper", "min"))
    assert lexicon.functions_like("min") == ("helper", "max")
    assert set(Lexicon().functions_like("int")) == {"float", "round", "str"}
    assert Lexicon().functions_like("frobnicate") == ()


def test_spans_of_the_functions_the_program_defines_once() -> None:
    lexicon = Original.parse(
        "class Box:\n"
        "    def add(self, x):\n"
        "        pass\n\n\n"
        "def helper(a, b=2):\n"
        "    def inner(*rest):\n"
        "        pass\n\n\n"
        "def twice(a):\n    pass\n\n\n"
        "def twice(a, b):\n    pass\n\n\n"
        "@cache\n"
        "def wrapped(a):\n    pass\n"
    ).lexicon
    assert lexicon.spans == (("helper", 1, 2), ("inner", 0, None))  # twice: which one?
    assert lexicon.span("helper") == (1, 2)
    assert lexicon.span("Box") is None and lexicon.span("twice") is None
    assert lexicon.span("wrapped") is None  # a decorator may take other arguments
    assert lexicon.own_methods == ("add",)
    assert lexicon.parameters == (("helper", ("a",)), ("inner", ()))  # required ones only
    assert lexicon.parameters_of("helper") == ("a",)
    assert lexicon.parameters_of("twice") is None
