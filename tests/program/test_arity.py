"""How many positional arguments a callee takes: builtins, standard methods, the program's."""

from __future__ import annotations

import libcst as cst

from petri.program.arity import of_builtin, of_definition, of_method, positional_count


def test_builtins_by_signature_and_by_the_table_for_those_without_one() -> None:
    assert of_builtin("len") == (1, 1)
    assert of_builtin("sum") == (1, 2)
    assert of_builtin("print") == (0, None)
    assert of_builtin("max") == (1, None)  # no signature in CPython: from the table
    assert of_builtin("range") == (1, 3)
    assert of_builtin("no_such_builtin") is None
    assert of_builtin("True") is None  # a builtin, but nothing to call


def test_methods_span_every_standard_type_that_has_them() -> None:
    assert of_method("append") == (1, 1)
    assert of_method("sort") == (0, 0)
    assert of_method("pop") == (0, 2)  # list.pop(), set.pop() and dict.pop(key, default)
    assert of_method("index") == (1, 3)  # list, tuple and str alike
    assert of_method("split") == (0, 2)
    assert of_method("no_such_method") is None
    assert of_method("__len__") is None  # a dunder is nobody's slip


def test_a_definition_counts_its_positional_parameters() -> None:
    def span(source: str) -> tuple[int, int | None]:
        function = cst.parse_module(source).body[0]
        assert isinstance(function, cst.FunctionDef)
        return of_definition(function)

    assert span("def f(a, b=1):\n    pass\n") == (1, 2)
    assert span("def f(a, /, b, *, c):\n    pass\n") == (2, 2)  # c is keyword-only
    assert span("def f(*args):\n    pass\n") == (0, None)


def test_positional_count_unless_a_star_hides_it() -> None:
    def count(text: str) -> int | None:
        call = cst.parse_expression(text)
        assert isinstance(call, cst.Call)
        return positional_count(call)

    assert count("f(a, b, key=c)") == 2
    assert count("f()") == 0
    assert count("f(*xs)") is None
    assert count("f(a, **kw)") is None
