"""Breeding: children as edit lists, by mutation (add, drop or redraw an edit) and crossover.

A child is the original program plus a list of edits; its id is the hash of its normalized
source, so two edit lists that yield the same program are one candidate and never evaluated
twice. Every random choice comes from the generator the caller passes in. With a model
(``ModelEdits``), every ``every``-th child is first asked of it (an ``llm_edit`` of a member of
the best front); when its answer gives no new program, that child is bred as any other.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from petri.evolve.crash_hints import hinted_mix
from petri.program.edits import Edit, Original, is_text_edit
from petri.program.identity import program_id
from petri.program.operators import at_named, echo, move, propose, unbound_names

#: How many draws a child may take before the breeder gives up on it (all duplicates).
TRIES_PER_CHILD = 25
#: How often a new expression edit comes with its echo: the repeated slip needs both at once.
PAIR_RATE = 0.25
#: How often each operator takes its turn at a site (1 when not listed; see
#: ``petri.program.operators.propose``). The edits that add something around or after a value
#: (a builtin, a method, an attribute, a sign, a list) apply at almost every value, and the
#: rarer bug patterns at many sites; at full weight they would crowd out the name, constant
#: and operator changes that most one-line repairs are. Measured on the 19 bundled one-edit
#: bugs with a reference fix, proposals drawn on the bug's line: before these operators
#: existed, 2.3% of proposals were the reference fix; with all at full weight, 1.5%; with this
#: mix, 2.1% (and these operators make about a tenth of the proposals there). A donor's whole
#: body (``donor_body``) rewrites a function: at a quarter, the smaller repairs come first.
OPERATOR_MIX: dict[str, float] = {
    "arg_add": 0.25,
    "attr_add": 0.1,
    "attr_replace": 0.25,
    "box": 0.1,
    "call_wrap": 0.1,
    "cond_drop": 0.5,
    "cond_narrow": 0.25,
    "const_compare": 0.25,
    "donor_body": 0.25,
    "element_add": 0.25,
    "index_add": 0.25,
    "index_drop": 0.25,
    "keyword_replace": 0.25,
    "method_add": 0.1,
    "operand_swap": 0.5,
    "return_add": 0.5,
    "subscript_change": 0.5,
    "target_replace": 0.25,
    "unary_swap": 0.1,
    "unwrap": 0.25,
}
#: Share of the new edits of a child whose parent's crashes name a name that the original
#: reads bound nowhere drawn at a read of it (``operators.at_named``); the rest as any other.
NAMED_RATE = 0.5
#: Share of the new edits of a child whose parent's tests crash on a line the original's tests
#: never reached drawn on such a line (see ``evolve.crash_hints``); the rest as any other.
CRASHED_RATE = 0.5
#: Share of children bred by mutating a member of the best front rather than a tournament
#: winner. Most bugs need one edit of the original or of a partial repair; once neutral edits
#: fill the population, tournaments alone made only about one child in sixteen of the original.
ELITE_RATE = 0.3


@dataclass(frozen=True)
class Candidate:
    """A program born in a run: its edits of the original, its parents and how it was made."""

    id: str
    edits: tuple[Edit, ...]
    parents: tuple[str, ...]
    op: str
    generation: int
    source: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "edits": [e.to_json() for e in self.edits],
            "parents": list(self.parents),
            "op": self.op,
            "generation": self.generation,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Candidate:
        """Read what ``to_json`` wrote; ``KeyError``/``ValueError`` when it is not that."""
        return cls(
            id=str(data["id"]),
            edits=tuple(Edit.from_json(e) for e in data["edits"]),
            parents=tuple(str(p) for p in data["parents"]),
            op=str(data["op"]),
            generation=int(data["generation"]),
            source=str(data["source"]),
        )


@dataclass(frozen=True)
class Alternatives:
    """How a repair run, once repaired, looks for other plausible patches (for the shadow
    test; built by ``petri.evolve.alternatives``): every other child is the next of ``moves``
    whose program is new, else it leaves out the edits of the patches found so far (``tabu``),
    holds an edit no earlier child had (``tried``) and draws its new edit by ``focus`` (line
    weights: the lines those patches touched above the others). A repair shows where the fault
    may be; without this, most children were that repair plus a neutral edit. The children in
    between may keep those edits and add what a repair that overfits lacks."""

    tabu: frozenset[Edit]
    focus: Mapping[int, float]
    #: Single edits of the original tried first, in order, by the steered slots: a patch's
    #: edits moved to the lines that feed it, then the one-token edits of its lines.
    moves: tuple[Edit, ...] = ()
    #: Edits some earlier child already had: a steered child made only of these is drawn
    #: again (a repair found once is most often found again in another form, and the others
    #: are missed).
    tried: frozenset[Edit] = frozenset()
    #: Tried once ``moves`` are: a patch of several edits with one of them replaced by another
    #: one-token edit of its line, the rest kept (``return False`` where ``return 0`` was
    #: meant, beside the guard the patch needs too).
    variants: tuple[tuple[Edit, ...], ...] = ()

    def walk(self) -> Iterator[tuple[Edit, ...]]:
        """The edits of each steered child of the original, in the order they are tried."""
        yield from ((move,) for move in self.moves)
        yield from self.variants


class ModelEdits(Protocol):
    """A model asked for edits (``petri.evolve.model_edits.ModelEditor``)."""

    #: Ask for every ``every``-th child of a generation (the first, then every k-th).
    every: int

    def propose(
        self, parent: Candidate, elite: Sequence[Candidate], *, generation: int, slot: int
    ) -> Edit | None:
        """An edit of ``parent``'s program, or None (no answer, or one that does not apply)."""
        ...


def origin_of(original: Original) -> Candidate:
    """The original program as generation 0's first candidate."""
    return Candidate(program_id(original.source), (), (), "original", 0, original.source)


class Breeder:
    """Makes children of a population; pure apart from the generator it is given."""

    def __init__(
        self,
        original: Original,
        *,
        weights: Mapping[int, float] | None,
        ops: Collection[str] | None,
        max_edits: int,
        crossover_rate: float,
        mix: Mapping[str, float] = OPERATOR_MIX,
        model: ModelEdits | None = None,
        hints: Mapping[str, Sequence[str]] | None = None,
        named: Mapping[str, Sequence[str]] | None = None,
        crashed: Mapping[str, Sequence[int]] | None = None,
    ) -> None:
        self.original = original
        self.model = model
        self.weights = weights
        self.ops = ops
        self.mix = mix
        #: Parent id -> the operators its crashes point at (``evolve.crash_hints``): a child
        #: mutated from it draws them at their full turn.
        self.hints = hints or {}
        #: Parent id -> what its crashes name as missing (``crash_hints.named_of``).
        self.named = named or {}
        #: Parent id -> the original's lines its tests crash on (``crash_hints.original_lines``).
        self.crashed = crashed or {}
        self._unbound = unbound_names(original)
        self._mixes: dict[str, Mapping[str, float]] = {}
        self.max_edits = max_edits
        self.crossover_rate = crossover_rate

    def origin(self) -> Candidate:
        """The original program as generation 0's first candidate."""
        return origin_of(self.original)

    def children(
        self,
        parents: Sequence[Candidate],
        *,
        pick: Mapping[str, int] | None,
        n: int,
        rng: random.Random,
        seen: set[str],
        generation: int,
        elite: Sequence[Candidate] = (),
        born_hook: Callable[[Candidate], object] = lambda _: None,
        alternatives: Alternatives | None = None,
    ) -> list[Candidate]:
        """Up to ``n`` new, distinct, valid children; ``seen`` holds ids not to repeat (updated).

        ``pick`` orders parents for the tournament (smaller is better); None draws uniformly.
        ``elite`` (the members of the population's best front) parents ``ELITE_RATE`` of them.
        ``born_hook`` sees each child as soon as it is bred (the engine queues it at once).
        ``alternatives`` steers the even slots (see ``Alternatives``).
        """
        born: list[Candidate] = []
        for slot in range(n):
            child = self._asked(parents, elite, slot=slot, seen=seen, generation=generation)
            if child is None and alternatives is not None and not slot % 2:
                child = self._moved(alternatives.walk(), seen, generation)
            if child is None:
                child = self._one(
                    parents, pick=pick, rng=rng, seen=seen, generation=generation, elite=elite,
                    alternatives=None if slot % 2 else alternatives,
                )  # fmt: skip
            if child is not None:
                seen.add(child.id)
                born.append(child)
                born_hook(child)
        return born

    def _asked(
        self,
        parents: Sequence[Candidate],
        elite: Sequence[Candidate],
        *,
        slot: int,
        seen: set[str],
        generation: int,
    ) -> Candidate | None:
        """The model's child for ``slot`` when it is the model's turn: its edit of a member of
        the best front (in turn), None when it has none or the program is not new. Uses no
        random draw, so the children after it are the same whatever the model answered."""
        model = self.model
        if model is None or slot % model.every:
            return None
        front = list(elite) or [parents[0]]
        parent = front[(slot // model.every) % len(front)]
        edit = model.propose(parent, front, generation=generation, slot=slot)
        if edit is None:
            return None
        edits = (*parent.edits, edit)
        source = self.original.apply(edits)
        if source is None or program_id(source) in seen:
            return None
        return Candidate(program_id(source), edits, (parent.id,), "llm_edit", generation, source)

    def _moved(
        self, moves: Iterable[tuple[Edit, ...]], seen: set[str], generation: int
    ) -> Candidate | None:
        """The first of ``moves`` whose program is new, as a child of the original (no random
        draw, so the children after it are bred as they would be without it)."""
        for edits in moves:
            source = self.original.apply(edits)
            if source is not None and program_id(source) not in seen:
                origin = self.origin().id
                return Candidate(program_id(source), edits, (origin,), "move", generation, source)
        return None

    def _one(
        self,
        parents: Sequence[Candidate],
        *,
        pick: Mapping[str, int] | None,
        rng: random.Random,
        seen: set[str],
        generation: int,
        elite: Sequence[Candidate],
        alternatives: Alternatives | None = None,
    ) -> Candidate | None:
        tabu = alternatives.tabu if alternatives is not None else frozenset()
        weights = alternatives.focus if alternatives is not None else self.weights
        for _ in range(TRIES_PER_CHILD):
            first = _tournament(parents, pick, rng)
            edits: list[Edit] | None
            ids: tuple[str, ...]
            if elite and rng.random() < ELITE_RATE:
                first = elite[rng.randrange(len(elite))]
                edits, op, ids = self._mutate(first, rng, weights), "mutate", (first.id,)
            elif len(parents) > 1 and rng.random() < self.crossover_rate:
                second = _tournament(parents, pick, rng)
                edits = _crossover(first, second, rng)[: self.max_edits]
                op, ids = "crossover", (first.id, second.id)
            else:
                edits, op, ids = self._mutate(first, rng, weights), "mutate", (first.id,)
            if edits is None or len(set(edits)) < len(edits):
                continue  # an edit made twice changes nothing or undoes itself: a size for naught
            if tabu:
                edits = [e for e in edits if e not in tabu]
            if alternatives is not None and all(e in alternatives.tried for e in edits):
                continue
            source = self.original.apply(edits)
            if source is None:
                continue
            pid = program_id(source)
            if pid not in seen:
                return Candidate(pid, tuple(edits), ids, op, generation, source)
        return None

    def _mutate(
        self, parent: Candidate, rng: random.Random, weights: Mapping[int, float] | None
    ) -> list[Edit] | None:
        """Drop an edit (20%), echo one on its line (10%), move one nearby (10%), else redraw
        one or add one, which then comes with its echo a quarter of the time (see
        ``petri.program.operators.echo`` and ``move``). A new edit is drawn with the
        parent's crash hints."""
        out = list(parent.edits)
        roll = rng.random()
        if out and roll < 0.2:
            del out[rng.randrange(len(out))]
            return out
        if out and roll < 0.3 and len(out) < self.max_edits:
            twin = echo(self.original, rng.choice(out), rng)
            if twin is not None:
                return [*out, twin]
        if out and 0.3 <= roll < 0.4:
            index = rng.randrange(len(out))
            moved = move(self.original, out[index], rng)
            if moved is not None:
                out[index] = moved
                return out
        new = self._draw(parent.id, rng, weights)
        if new is None:
            return None
        if len(out) >= self.max_edits or (out and roll < 0.5):
            out[rng.randrange(len(out))] = new
        else:
            out.append(new)
        if len(out) < self.max_edits and rng.random() < PAIR_RATE:
            twin = echo(self.original, new, rng)
            if twin is not None:
                out.append(twin)
        return out

    def _draw(
        self, parent: str, rng: random.Random, weights: Mapping[int, float] | None
    ) -> Edit | None:
        """A new edit for a child of ``parent``: ``NAMED_RATE`` of the time at a read of a
        name its crashes name as missing, when the original reads it bound nowhere
        (``operators.at_named``), else ``CRASHED_RATE`` of the time on a line its tests crash
        on that the original's never ran, else drawn by ``propose``; all with its crash
        hints."""
        named = [name for name in self.named.get(parent, ()) if name in self._unbound]
        if named and rng.random() < NAMED_RATE:
            edit = at_named(self.original, named, rng, self.ops)
            if edit is not None:
                return edit
        mix = self._mix(parent)
        unreached = self._unreached(parent)
        if unreached and rng.random() < CRASHED_RATE:
            edit = propose(self.original, rng, ops=self.ops, mix=mix, lines=unreached)
            if edit is not None:
                return edit
        return propose(self.original, rng, weights=weights, ops=self.ops, mix=mix)

    def _unreached(self, parent: str) -> frozenset[int]:
        """The lines ``parent``'s tests crash on that the original's tests never ran (none
        without localization: then no line is known to be unreached)."""
        if not self.weights:
            return frozenset()
        return frozenset(line for line in self.crashed.get(parent, ()) if line not in self.weights)

    def _mix(self, parent: str) -> Mapping[str, float]:
        hints = self.hints.get(parent, ())
        if not hints:
            return self.mix
        if parent not in self._mixes:
            self._mixes[parent] = hinted_mix(self.mix, hints)
        return self._mixes[parent]


def _tournament(
    parents: Sequence[Candidate], pick: Mapping[str, int] | None, rng: random.Random
) -> Candidate:
    a = parents[rng.randrange(len(parents))]
    b = parents[rng.randrange(len(parents))]
    if pick is None:
        return a
    return b if pick.get(b.id, 1 << 30) < pick.get(a.id, 1 << 30) else a


def _crossover(a: Candidate, b: Candidate, rng: random.Random) -> list[Edit]:
    """One-point crossover of two edit lists, dropping edits that repeat a site (a text edit,
    which has none, only when it repeats itself)."""
    head = a.edits[: rng.randint(0, len(a.edits))]
    tail = b.edits[rng.randint(0, len(b.edits)) :]
    out: list[Edit] = []
    sites: set[object] = set()
    for edit in (*head, *tail):
        key = edit if is_text_edit(edit) else edit.site
        if key not in sites:
            sites.add(key)
            out.append(edit)
    return out
