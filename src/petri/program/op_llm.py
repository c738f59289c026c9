"""``llm_edit``: a model's search/replace blocks as an edit of the program's text.

The edit's args are the blocks' texts, ``(search, replace, search, replace, ...)``: the model's
answer is recorded in the edit itself, so a stored run replays it without asking the model
again, and crossover, dropping and minimization treat it like any other edit. It applies to the
source as the edits before it left it; a SEARCH that is not found exactly once does not fit.
When the original has ``# EVOLVE-BLOCK-START/END`` markers, every SEARCH must lie inside a
block and no REPLACE may add or remove a marker: text outside the blocks never changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from petri.errors import ModelOutputError
from petri.program.edits import Args, Edit, Misfit, Original, TextApplier, need
from petri.program.search_replace import Block, describe, locate
from petri.program.sites import evolve_regions

LLM_EDIT = "llm_edit"
_MARKER = re.compile(r"^\s*#\s*EVOLVE-BLOCK-(START|END)\b", re.MULTILINE)


def llm_edit(blocks: Sequence[Block]) -> Edit:
    """The edit that applies ``blocks`` in order (site 0: a text edit has no site)."""
    args: list[str] = []
    for block in blocks:
        args += [block.search, block.replace]
    return Edit(LLM_EDIT, 0, tuple(args))


def blocks_of(edit: Edit) -> list[Block]:
    """The blocks an ``llm_edit`` holds; Misfit when its args are not pairs of strings."""
    args = edit.args
    need(bool(args) and len(args) % 2 == 0, "an llm_edit holds (search, replace) pairs")
    need(all(isinstance(a, str) for a in args), "an llm_edit's args are strings")
    texts = [str(a) for a in args]
    return [Block(texts[i], texts[i + 1]) for i in range(0, len(texts), 2)]


def apply_blocks(original: Original, source: str, blocks: Sequence[Block]) -> str:
    """``source`` with ``blocks`` applied in turn, kept inside the EVOLVE blocks if the
    original has any; Misfit naming the block that does not apply or strays outside."""
    confined = evolve_regions(original.source.splitlines()) is not None
    added = not source.endswith("\n")  # blocks are whole lines: give the last one its newline
    result = source + "\n" if added else source
    for number, block in enumerate(blocks, start=1):
        need(bool(block.search), f"{describe(number, block)} has an empty SEARCH section")
        try:
            at = locate(result, block, number)
        except ModelOutputError as exc:
            raise Misfit(str(exc)) from exc
        if confined:
            _inside(result, at, block, number)
        result = result[:at] + block.replace + result[at + len(block.search) :]
    return result[:-1] if added and result.endswith("\n") else result


def _inside(source: str, at: int, block: Block, number: int) -> None:
    """Misfit unless ``block``'s SEARCH, found at ``at``, lies between an EVOLVE-BLOCK-START
    line and its END line, and neither side of the block holds a marker."""
    where = describe(number, block)
    need(
        not _MARKER.search(block.search) and not _MARKER.search(block.replace),
        f"{where} changes an EVOLVE-BLOCK marker line",
    )
    end = at + len(block.search)
    for start_line, end_line in _spans(source):
        if start_line <= at and end <= end_line:
            return
    raise Misfit(f"{where} is outside the EVOLVE-BLOCK: only the code inside it may change")


def _spans(source: str) -> list[tuple[int, int]]:
    """Character spans of the EVOLVE blocks' insides: after the START line, up to the END."""
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    regions = evolve_regions([line.rstrip("\r\n") for line in lines]) or []
    # region lines are 1-based; the inside runs from the line after START to the END line
    return [(offsets[start], offsets[end - 1]) for start, end in regions]


def _apply(original: Original, source: str, args: Args) -> str:
    return apply_blocks(original, source, blocks_of(Edit(LLM_EDIT, 0, args)))


APPLIERS: dict[str, TextApplier] = {LLM_EDIT: _apply}

__all__ = ["APPLIERS", "LLM_EDIT", "Misfit", "apply_blocks", "blocks_of", "llm_edit"]
