"""``llm_edit``: a model's search/replace blocks as an edit that replays from its args alone,
combines with tree edits, and never changes a line outside the EVOLVE blocks."""

from __future__ import annotations

import random

import pytest

from petri.program.edits import Edit, Original, is_text_edit
from petri.program.op_llm import LLM_EDIT, apply_blocks, blocks_of, llm_edit
from petri.program.operators import move, propose
from petri.program.search_replace import Block

PROGRAM = """def area(w, h):
    return w + h


def double(x):
    return x + x
"""

BLOCKED = """import math

# EVOLVE-BLOCK-START
def area(w, h):
    return w + h
# EVOLVE-BLOCK-END


def run():
    return area(2, 3)
"""

FIX = Block("    return w + h\n", "    return w * h\n")


def test_an_llm_edit_replays_from_its_json() -> None:
    edit = llm_edit([FIX])
    assert edit == Edit(LLM_EDIT, 0, ("    return w + h\n", "    return w * h\n"))
    again = Edit.from_json(edit.to_json())
    assert again == edit and is_text_edit(again)
    assert Original.parse(PROGRAM).apply([again]) == PROGRAM.replace("w + h", "w * h")


def test_blocks_apply_in_order_after_the_tree_edits() -> None:
    original = Original.parse(PROGRAM)
    tree = propose(original, random.Random(4), ops=["binop_swap"])
    assert tree is not None
    edited = original.apply([tree])
    assert edited is not None
    rename = llm_edit([Block("def double(x):\n", "def twice(x):\n")])
    both = original.apply([rename, tree])  # list order does not matter: tree edits go first
    assert both == edited.replace("def double(x):", "def twice(x):")


@pytest.mark.parametrize(
    "blocks",
    [
        [Block("    return w - h\n", "    return 0\n")],  # not in the program
        [Block("    return", "    return None and")],  # found twice
        [FIX, FIX],  # the second no longer matches
        [Block("    return w + h\n", "    return w +\n")],  # does not compile
    ],
)
def test_a_block_that_does_not_apply_gives_no_program(blocks: list[Block]) -> None:
    assert Original.parse(PROGRAM).apply([llm_edit(blocks)]) is None


@pytest.mark.parametrize("args", [(), ("only search",), (1, 2), ("a", None)])
def test_malformed_args_give_no_program(args: tuple[object, ...]) -> None:
    edit = Edit(LLM_EDIT, 0, args)  # type: ignore[arg-type]
    assert Original.parse(PROGRAM).apply([edit]) is None


def test_an_edit_inside_the_evolve_block_applies() -> None:
    original = Original.parse(BLOCKED)
    assert original.apply([llm_edit([FIX])]) == BLOCKED.replace("w + h", "w * h")


@pytest.mark.parametrize(
    ("block", "why"),
    [
        (Block("    return area(2, 3)\n", "    return area(3, 3)\n"), "outside the EVOLVE-BLOCK"),
        (Block("import math\n", "import os\n"), "outside the EVOLVE-BLOCK"),
        (
            Block(
                "    return w + h\n# EVOLVE-BLOCK-END\n", "    return w * h\n# EVOLVE-BLOCK-END\n"
            ),
            "marker",
        ),
        (Block("    return w + h\n", "    return w\n# EVOLVE-BLOCK-END\n"), "marker"),
    ],
)
def test_an_edit_outside_the_evolve_block_does_not_fit(block: Block, why: str) -> None:
    original = Original.parse(BLOCKED)
    assert original.apply([llm_edit([block])]) is None
    with pytest.raises(ValueError, match=why):
        apply_blocks(original, BLOCKED, [block])


def test_blocks_of_reads_back_the_blocks() -> None:
    assert blocks_of(llm_edit([FIX, Block("a\n", "b\n")])) == [FIX, Block("a\n", "b\n")]


def test_a_text_edit_has_no_site_to_move_from() -> None:
    original = Original.parse(PROGRAM)
    assert move(original, llm_edit([FIX]), random.Random(0)) is None
