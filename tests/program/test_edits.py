"""Edits and the original program: JSON, parsing, applying, composing, rejecting, diffing."""

from __future__ import annotations

import json
import textwrap
from typing import Any, cast

import pytest

from petri.errors import ProgramError
from petri.program.edits import Edit, Original, diff, register
from petri.program.operators import NODE_APPLIERS
from petri.program.sites import Site


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def site_of(original: Original, kind: str, code: str) -> Site:
    found = [
        site
        for site in original.sites
        if site.kind == kind and original.module.code_for_node(site.node).strip() == code
    ]
    assert len(found) == 1
    return found[0]


# --- Edit ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        Edit("stmt_delete", 3),
        Edit("cmpop_swap", 0, (1, "<=")),
        Edit("x", 7, ("a", 1, 2.5, True, None)),
    ],
)
def test_edit_json_round_trips(edit: Edit) -> None:
    data = json.loads(json.dumps(edit.to_json()))
    assert Edit.from_json(data) == edit
    assert data["op"] == edit.op and data["site"] == edit.site


def test_edits_are_ordered_and_hashable() -> None:
    edits = [Edit("b", 2), Edit("a", 5), Edit("a", 1, ("x",))]
    assert sorted(edits) == [Edit("a", 1, ("x",)), Edit("a", 5), Edit("b", 2)]
    assert len({*edits, Edit("b", 2)}) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "JSON object"),
        ({"site": 1}, "op"),
        ({"op": "", "site": 1}, "op"),
        ({"op": "x", "site": True}, "site"),
        ({"op": "x", "site": -1}, "site"),
        ({"op": "x", "site": "3"}, "site"),
        ({"op": "x", "site": 1, "args": "abc"}, "args"),
        ({"op": "x", "site": 1, "args": [{"a": 1}]}, "scalars"),
        ({"op": "x", "site": 1, "args": [float("nan")]}, "scalars"),
        ({"op": "x", "site": 1, "extra": 0}, "unexpected"),
    ],
)
def test_edit_from_bad_json_says_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Edit.from_json(data)


# --- Original.parse ------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["def f(:\n", "return 1\n", "x = (\n"])
def test_parse_rejects_programs_that_do_not_compile(source: str) -> None:
    with pytest.raises(ProgramError):
        Original.parse(source)


def test_parse_keeps_the_source() -> None:
    source = "x = 1  # one\n"
    original = Original.parse(source)
    assert original.source == source and original.module.code == source


# --- apply ---------------------------------------------------------------------------------

MESSY = program(
    """
    # header comment
    import math   # trailing


    def area( r ,scale = 2 ):   # odd spacing kept
        '''Docstring.'''
        x = math.pi*r**2 ; y = 1
        # about the return
        return (x * scale)+y




    class  Shape :
        sides=[ 1,2 ,3 ]
    """
)


def test_no_edits_give_the_source_back_byte_for_byte() -> None:
    original = Original.parse(MESSY)
    assert original.apply([]) == MESSY
    assert original.apply(()) == MESSY


def test_formatting_and_comments_outside_the_edit_are_untouched() -> None:
    original = Original.parse(MESSY)
    site = site_of(original, "expr", "r")
    edited = original.apply([Edit("wrap", site.index, ("abs",))])
    assert edited is not None
    before, after = MESSY.splitlines(keepends=True), edited.splitlines(keepends=True)
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert changed == [6]
    assert after[6] == "    x = math.pi*abs(r)**2 ; y = 1\n"


def test_statement_edits_keep_neighbouring_comments() -> None:
    original = Original.parse(MESSY)
    site = site_of(original, "stmt", "# about the return\nreturn (x * scale)+y")
    edited = original.apply([Edit("stmt_delete", site.index)])
    assert edited == MESSY.replace("    return (x * scale)+y\n", "")
    assert "# about the return" in edited


def test_apply_composes_nested_edits_in_any_order() -> None:
    original = Original.parse("x = a + b * c\n")
    outer = site_of(original, "expr", "a + b * c")
    inner = site_of(original, "expr", "b * c")
    wrap, swap = Edit("wrap", outer.index, ("abs",)), Edit("binop_swap", inner.index, ("/",))
    assert original.apply([wrap, swap]) == "x = abs(a + b / c)\n"
    assert original.apply([swap, wrap]) == "x = abs(a + b / c)\n"


def test_edits_on_one_site_apply_in_list_order() -> None:
    original = Original.parse("def f(a, b):\n    return a\n")
    site = site_of(original, "expr", "a")
    rename, wrap = Edit("name_replace", site.index, ("b",)), Edit("wrap", site.index, ("abs",))
    assert original.apply([rename, wrap]) == "def f(a, b):\n    return abs(b)\n"
    assert original.apply([wrap, rename]) is None  # after the wrap the site holds a call


def test_statement_edits_see_the_expression_edits_inside() -> None:
    original = Original.parse("def f(a):\n    a = a + 1\n    return a\n")
    first = site_of(original, "stmt", "a = a + 1")
    second = site_of(original, "stmt", "return a")
    plus = site_of(original, "expr", "a + 1")
    edits = [
        Edit("stmt_swap", first.index, (second.index,)),
        Edit("binop_swap", plus.index, ("-",)),
    ]
    assert original.apply(edits) == "def f(a):\n    return a\n    a = a - 1\n"


def test_several_statement_edits_in_one_block() -> None:
    original = Original.parse("def f(a):\n    a = 1\n    b = 2\n    return a\n")
    one, two, ret = (s for s in original.sites if s.kind == "stmt")
    edits = [
        Edit("stmt_delete", one.index),
        Edit("stmt_insert", ret.index, (two.index, "before")),
        Edit("stmt_new", two.index, ("assign", "after", "a", "b")),
    ]
    assert original.apply(edits) == "def f(a):\n    b = 2\n    a = b\n    b = 2\n    return a\n"


def test_deleting_every_statement_of_a_block_leaves_pass() -> None:
    original = Original.parse("if True:\n    x = 1\n    y = 2\nz = 3\n")
    one, two = (s for s in original.sites if s.kind == "stmt" and s.line in (2, 3))
    edits = [Edit("stmt_delete", one.index), Edit("stmt_delete", two.index)]
    assert original.apply(edits) == "if True:\n    pass\nz = 3\n"


def test_apply_is_pure_and_deterministic() -> None:
    original = Original.parse(MESSY)
    edits = [Edit("stmt_delete", site_of(original, "stmt", "sides=[ 1,2 ,3 ]").index)]
    first = original.apply(edits)
    assert first == original.apply(edits)
    assert original.module.code == MESSY


BAD_PROGRAM = "def f(a, b):\n    if a < b:\n        return a\n    return b\n"


def bad_edits(original: Original) -> list[Any]:
    cond = site_of(original, "cond", "a < b").index
    name = site_of(original, "bound", "a").index
    stmt = site_of(original, "stmt", "return b").index
    inner = site_of(original, "stmt", "return a").index
    return [
        Edit("teleport", name),
        Edit("name_replace", len(original.sites), ("b",)),
        Edit("name_replace", -1, ("b",)),
        Edit("name_replace", cast(int, True), ("b",)),
        Edit("name_replace", name, ()),
        Edit("name_replace", name, ("b", "c")),
        Edit("name_replace", name, (3,)),
        Edit("name_replace", name, ("import",)),
        Edit("name_replace", name, ("a b",)),
        Edit("name_replace", cond, ("b",)),
        Edit("const_replace", name, ("__import__('os')",)),
        Edit("cmpop_swap", cond, (5, "<=")),
        Edit("cmpop_swap", cond, (0, "<>=")),
        Edit("cmpop_swap", cond, (True, "<=")),
        Edit("index_shift", name, (2,)),
        Edit("wrap", name, ("exec",)),
        Edit("wrap", name, ("max", "1 + 1")),
        Edit("stmt_delete", name),
        Edit("stmt_insert", stmt, (name, "before")),
        Edit("stmt_insert", stmt, (inner, "inside")),
        Edit("stmt_swap", stmt, (inner,)),  # not in the same block
        Edit("stmt_new", stmt, ("exec", "before", "a")),
        Edit("binop_swap", name, ("+",)),
        cast(Edit, {"op": "stmt_delete", "site": stmt}),
        Edit("stmt_delete", stmt, cast(tuple[str], [1])),
    ]


@pytest.mark.parametrize("index", range(25))
def test_bad_edits_give_none(index: int) -> None:
    original = Original.parse(BAD_PROGRAM)
    edits = bad_edits(original)
    assert len(edits) == 25
    assert original.apply([edits[index]]) is None
    good = Edit("stmt_delete", site_of(original, "stmt", "return b").index)
    assert original.apply([good, edits[index]]) is None
    assert original.apply([good]) is not None


def test_edits_that_break_compilation_give_none() -> None:
    original = Original.parse("x = 1\n\n\ndef f():\n    return x\n")
    top = site_of(original, "stmt", "x = 1")
    ret = site_of(original, "stmt", "return x")
    assert original.apply([Edit("stmt_insert", top.index, (ret.index, "after"))]) is None
    assert original.apply([Edit("stmt_new", top.index, ("return", "after", "x"))]) is None


def test_a_glued_replacement_gets_parentheses() -> None:
    original = Original.parse("def f(x):\n    return[x][0]\n")
    site = site_of(original, "expr", "[x][0]")
    assert original.apply([Edit("wrap", site.index, ("abs",))]) == (
        "def f(x):\n    return(abs([x][0]))\n"
    )


def test_render_reuses_untouched_statements_exactly() -> None:
    original = Original.parse(MESSY)
    for site in original.sites:
        if site.kind == "stmt":
            tree = original.transform([Edit("stmt_delete", site.index)])
            assert tree is not None
            assert original.render(tree) == tree.code


def test_a_program_without_final_newline() -> None:
    original = Original.parse("x = 1\ny = x")
    site = site_of(original, "expr", "x")
    assert original.apply([Edit("wrap", site.index, ("abs",))]) == "x = 1\ny = abs(x)"


def test_an_operator_name_has_one_applier() -> None:
    register(nodes={"binop_swap": NODE_APPLIERS["binop_swap"]})  # the same one again: fine
    with pytest.raises(ValueError, match="'binop_swap' already has an applier"):
        register(blocks={"binop_swap": lambda original, site, slots, args: None})


# --- diff ----------------------------------------------------------------------------------


def test_diff_is_a_unified_diff_with_a_b_paths() -> None:
    original = Original.parse("x = 1\ny = 2\n")
    assert diff(original, "x = 1\ny = 3\n", "pkg/mod.py") == (
        "--- a/pkg/mod.py\n+++ b/pkg/mod.py\n@@ -1,2 +1,2 @@\n x = 1\n-y = 2\n+y = 3\n"
    )
    assert diff(original, original.source, "mod.py") == ""


def test_diff_marks_a_missing_final_newline() -> None:
    original = Original.parse("x = 1\n")
    assert diff(original, "x = 2", "m.py") == (
        "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n\\ No newline at end of file\n"
    )
