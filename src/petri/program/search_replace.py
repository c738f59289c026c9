"""Search/replace blocks: the edits a model answers with, parsed and applied to source text.

A block is ``<<<<<<< SEARCH``, the old lines, ``=======``, the new lines, ``>>>>>>> REPLACE``.
The swarm's coder and evolve's ``llm_edit`` operator both ask models for them; this module is
the one place that reads and applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from petri.errors import ModelOutputError

__all__ = ["Block", "apply_search_replace", "locate", "parse_search_replace"]


@dataclass(frozen=True)
class Block:
    """Replace the exact text ``search`` (whole lines) by ``replace``."""

    search: str
    replace: str


_BLOCK = re.compile(
    r"^<{5,9} ?SEARCH[ \t]*\n(.*?)^={5,9}[ \t]*\n(.*?)^>{5,9} ?REPLACE[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
_OPENING = re.compile(r"^<{5,9} ?SEARCH[ \t]*$", re.MULTILINE)


def parse_search_replace(text: str) -> list[Block]:
    """The blocks in a model's answer, in order.

    Markers of 5 to 9 characters are accepted; text around the blocks (prose, code fences) is
    ignored. A block that is opened and never closed raises ``ModelOutputError``: applying the
    others alone could break the program.
    """
    text = text.replace("\r\n", "\n")
    blocks = [Block(m.group(1), m.group(2)) for m in _BLOCK.finditer(text)]
    opened = len(_OPENING.findall(text))
    if opened != len(blocks):
        raise ModelOutputError(
            f"{opened - len(blocks)} of {opened} SEARCH/REPLACE blocks are not closed by "
            "'=======' and '>>>>>>> REPLACE'"
        )
    return blocks


def locate(source: str, block: Block, number: int) -> int:
    """Where ``block.search`` starts in ``source``; it must occur exactly once.

    Raises ``ModelOutputError`` naming the block (its ``number`` and first line) otherwise.
    """
    found = source.count(block.search)
    if found != 1:
        problem = "not found" if not found else f"found {found} times (add lines to pin it)"
        raise ModelOutputError(f"{describe(number, block)} {problem} in the source")
    return source.index(block.search)


def apply_search_replace(source: str, blocks: list[Block]) -> str:
    """``source`` with each block applied in turn; each SEARCH must occur exactly once.

    Raises ``ModelOutputError`` naming the block otherwise. An empty SEARCH is allowed only on
    an empty source (the block writes a new file).
    """
    # Blocks end with a newline; a source whose last line lacks one would never match it.
    added = not source.endswith("\n")
    result = source + "\n" if added and source else source
    for number, block in enumerate(blocks, start=1):
        if not block.search:
            if result:
                raise ModelOutputError(f"{describe(number, block)} has an empty SEARCH section")
            result = block.replace
            continue
        at = locate(result, block, number)
        result = result[:at] + block.replace + result[at + len(block.search) :]
    if added and source and result.endswith("\n"):
        result = result[:-1]
    return result


def describe(number: int, block: Block) -> str:
    """``SEARCH block N ('first line')``: how errors name a block."""
    first = next((line.strip() for line in block.search.splitlines() if line.strip()), "")
    return f"SEARCH block {number} ({first[:60]!r})" if first else f"SEARCH block {number}"
