"""Once a repair run is repaired: where it looks for other plausible patches, and which of
them the shadow test compares (``evolve.shadow``).

The first patch that passes the tests shows where the fault shows, not always where it is, nor
what the fix is: a clamp added where a helper's result is used, a whole statement copied from
another function. So the search for alternatives (``Steering.steer``, read by the breeder as
``Alternatives``):

* raises each line's suspiciousness by one for every plausible-patch edit on it and by
  ``FEEDING_FOCUS`` on each line that feeds it (``petri.program.slices``);
* first tries single edits in a fixed order: each plausible-patch edit moved to the lines that
  feed its line (``petri.program.operators.transplants``), then its siblings (its operator's
  other args at its site: a guard's ``return 0`` for its ``return False``;
  ``petri.program.operators.siblings``), then every one-token edit of the ``SWEPT_LINES``
  lines with the most plausible-patch edits (``sweep``): a rare one-token fix at the right
  line (``//`` for ``/``) came up about once in a thousand sampled children;
* then, for a plausible patch of several edits, each of its edits replaced in turn by every
  other one-token edit of its line or by a sibling, the rest of the patch kept (``variants``):
  one edit of such a patch may be overfitted (``return False`` where ``0`` was meant, which
  ``== 0`` lets through) while the others are needed, so no single edit of the original passes
  the tests in its stead. The engine gives the first two such patches, minimized, that still
  need several edits (``Engine._needed``): a fix beside a neutral edit minimizes to the fix;
* breeds no steered child made only of edits tried before.

The contenders then count the same change written in several places once (``added_lines``)
and carry their size (``lines_written``, then ``tokens_written``), which the shadow test weighs.

A patch the shadow test sees answer off its invariants (``None`` from a function whose tests
all get a list) is tried once more with each guard for the empty input (``guarded``) before
its function's body: a loop that never runs on an empty list falls off the function's end, an
input the tests seldom try, and no minimized patch keeps a guard the tests do not need.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from petri.evolve.breed import OPERATOR_MIX, Alternatives, Candidate
from petri.evolve.events import Record
from petri.evolve.shadow import Patch
from petri.program.edits import Edit, Original, is_text_edit
from petri.program.op_guard import returned_values
from petri.program.operators import siblings, sweep, transplants
from petri.program.slices import feeding

#: Suspiciousness added to a line that feeds a plausible patch's line (its own line gets 1
#: per edit on it).
FEEDING_FOCUS = 0.5
#: The lines with the most plausible-patch edits whose every one-token edit is tried in turn.
SWEPT_LINES = 2
#: A token of a changed line: a name or number, or one punctuation character.
TOKEN = re.compile(r"\w+|[^\w\s]")


class Steering:
    """Steers one run's search for alternatives; keeps what it listed (moves, sweeps) so that
    each generation pays only for what is new."""

    def __init__(self, original: Original, ops: Collection[str] | None) -> None:
        self.original = original
        self.ops = ops
        self._moves: dict[Edit, tuple[int, frozenset[int], list[Edit]]] = {}
        self._sweeps: dict[tuple[int, ...], list[Edit]] = {}
        self._kin: dict[Edit, list[Edit]] = {}

    def steer(
        self,
        weights: Mapping[int, float],
        tabu: frozenset[Edit],
        born: Iterable[Candidate],
        patches: Iterable[tuple[Edit, ...]] = (),
    ) -> Alternatives:
        """``Alternatives`` for a search whose plausible patches hold the edits ``tabu`` and
        whose children so far are ``born`` (only earlier generations': the same on resume);
        ``patches`` are those patches' edits, one tuple each (their variants are tried)."""
        sites = self.original.sites
        placed = sorted(
            (e for e in tabu if not is_text_edit(e) and e.site < len(sites)), key=_edit_key
        )
        focus = dict(weights)
        moves: dict[Edit, None] = {}
        found_on: dict[int, int] = {}
        for edit in placed:
            line, upstream, moved = self._moved(edit)
            focus[line] = 1.0 + focus.get(line, 0.0)
            found_on[line] = found_on.get(line, 0) + 1
            for near in upstream:
                focus[near] = FEEDING_FOCUS + focus.get(near, 0.0)
            moves.update(dict.fromkeys(moved))
        for edit in placed:
            moves.update(dict.fromkeys(self._siblings(edit)))
        lines = sorted(found_on, key=lambda line: (-found_on[line], line))
        moves.update(dict.fromkeys(self._swept(tuple(lines[:SWEPT_LINES]))))
        children = list(born)
        tried = frozenset(e for c in children for e in c.edits)
        made = {frozenset(c.edits) for c in children}
        return Alternatives(
            tabu,
            focus,
            tuple(m for m in moves if frozenset((m,)) not in made),
            tried,
            tuple(v for v in self._variants(patches) if frozenset(v) not in made),
        )

    def _variants(self, patches: Iterable[tuple[Edit, ...]]) -> list[tuple[Edit, ...]]:
        """Each patch of several edits (the fewest edits first) with one edit replaced by
        each other one-token edit of its line or by a sibling (its operator's other args at
        its site), the others kept in their order."""
        sites = self.original.sites
        placed = {
            p
            for p in patches
            if len(p) > 1 and all(not is_text_edit(e) and e.site < len(sites) for e in p)
        }
        found: dict[tuple[Edit, ...], None] = {}
        for patch in sorted(placed, key=lambda p: (len(p), [_edit_key(e) for e in p])):
            for i, edit in enumerate(patch):
                rest = patch[:i] + patch[i + 1 :]
                for other in (*self._swept((sites[edit.site].line,)), *self._siblings(edit)):
                    if other not in patch:
                        found[(*rest, other)] = None
        return list(found)

    def _moved(self, edit: Edit) -> tuple[int, frozenset[int], list[Edit]]:
        """``edit``'s line, the lines that feed it and its transplants to them."""
        if edit not in self._moves:
            line = self.original.sites[edit.site].line
            upstream = feeding(self.original.source, [line])
            self._moves[edit] = line, upstream, transplants(self.original, edit, upstream)
        return self._moves[edit]

    def _siblings(self, edit: Edit) -> list[Edit]:
        if edit not in self._kin:
            self._kin[edit] = siblings(self.original, edit)
        return self._kin[edit]

    def _swept(self, lines: tuple[int, ...]) -> list[Edit]:
        if lines not in self._sweeps:
            edits = sweep(self.original, lines, ops=self.ops, mix=OPERATOR_MIX)
            self._sweeps[lines] = [e for e in edits if _changes(self.original, e)]
        return self._sweeps[lines]


def contenders(
    original: str,
    ordered: Sequence[tuple[Candidate, Record]],
    minimize: Callable[[Candidate, Record], Candidate],
    most: int,
) -> list[Patch]:
    """Up to ``most`` distinct patches for the shadow test: the plausible ones in ``ordered``
    (best first), each minimized, one per set of lines written (``added_lines``), with their
    size. The same change in other places (a statement copied to each line where it passes)
    is one contender: it would crowd out the rest. Alternatives often minimize to the same
    patch, so at most ``2 * most`` are looked at."""
    found: dict[str, Patch] = {}
    added: set[frozenset[str]] = set()
    looked = 0
    for candidate, record in ordered:
        if len(found) >= most or looked >= 2 * most:
            break
        lines = added_lines(original, candidate.source)
        if lines in added:
            continue
        added.add(lines)
        looked += 1
        minimal = minimize(candidate, record)
        if minimal.edits:  # minimized to nothing: the original itself
            found.setdefault(minimal.id, sized(original, minimal))
    return list(found.values())


def guards(original: Original, edits: Iterable[Edit]) -> list[Edit]:
    """Every guard (``op_guard``: ``if not p: return v``) that may open the body of a function
    one of ``edits`` is in, for each of its required parameters ``p`` and each value ``v`` it
    may return; none already in ``edits``."""
    edits = tuple(edits)
    sites, info = original.sites, original.info
    placed = [info[e.site].ancestors for e in edits if not is_text_edit(e) and e.site < len(sites)]
    found: list[Edit] = []
    for site in sites:
        body = info[site.index].ancestors  # the path to a body's first statement
        if not info[site.index].opens or not any(a[: len(body)] == body for a in placed):
            continue
        for param in info[site.index].opens:
            for value in returned_values(original, site):
                found.append(Edit("guard_add", site.index, (param, value)))
    return [e for e in found if e not in edits]


def guarded(
    original: Original, patch: Candidate, passing: Callable[[list[Edit]], Candidate | None]
) -> list[Patch]:
    """``patch`` with each of its ``guards`` that passes the tests (``passing``: the child
    when it does), as contenders with their size; unminimized, since the tests never need a
    guard."""
    found: list[Patch] = []
    for edit in guards(original, patch.edits):
        child = passing([*patch.edits, edit])
        if child is not None:
            found.append(sized(original.source, child))
    return found


def sized(original: str, child: Candidate) -> Patch:
    """``child`` as a contender, with the lines and tokens its patch writes."""
    size = lines_written(original, child.source), tokens_written(original, child.source)
    return Patch(child.id, child.source, *size)


def added_lines(before: str, after: str) -> frozenset[str]:
    """The lines ``after`` adds to ``before``, stripped: what a patch writes, wherever."""
    return frozenset(line[1:].strip() for line in _changed(before, after) if line[0] == "+")


def lines_written(before: str, after: str) -> int:
    """The lines a patch writes, or deletes when it deletes more."""
    changed = _changed(before, after)
    return max(sum(line[0] == sign for line in changed) for sign in "+-")


def tokens_written(before: str, after: str) -> int:
    """The tokens a patch writes in its changed lines (a replaced run counts its longer
    side): ``abs(b)`` to ``abs(a)`` writes 1, to ``abs(max(a, b))`` 5."""
    changed = _changed(before, after)
    old, new = (
        [t for line in changed if line[0] == sign for t in TOKEN.findall(line[1:])] for sign in "-+"
    )
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in opcodes if tag != "equal")


def _changed(before: str, after: str) -> list[str]:
    """The diff's added (``+``) and removed (``-``) lines, without context."""
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    return [line for line in diff[2:] if line[:1] in "+-"]  # past the two file headers


def _changes(original: Original, edit: Edit) -> bool:
    source = original.apply([edit])
    return source is not None and source != original.source


def _edit_key(edit: Edit) -> tuple[int, str, str]:
    """A total order on edits (a frozenset's order varies with the process's hash seed)."""
    return edit.site, edit.op, repr(edit.args)
