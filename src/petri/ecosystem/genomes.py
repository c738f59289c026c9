"""Every genome a run has met, by index, with how genomes make new ones.

A genome is a program (``petri.program``): source text whose one function is named
``organism``, identified by its program id. The world refers to genomes by their index here, so
that per-tick work is array indexing. New genomes come from three kinds of birth, each the
same pure function of its inputs and a draw ``j`` in ``[0, VARIANTS)``:

- ``mutant(g, j)``: one edit by evolve's operators (always valid code), seeded by ``(g, j)``;
- ``transfer(g, d, j)``: a statement lent by a neighbour's genome ``d`` in place of, before or
  after one of ``g``'s (a plasmid-like transfer of a subtree; the donor's parameters take
  ``g``'s names, as evolve's donor operators adapt lent code; done on ``ast`` because a libcst
  parse of every new pair cost more than the rest of a tick);
- ``crossover(g, d, j)``: the first statements of ``g``'s body followed by the last of ``d``'s.

Each result is remembered, so a genome has at most ``VARIANTS`` mutants however many of its
carriers reproduce: libcst work grows with the genomes met, not with the births, which keeps a
tick of 100,000 organisms cheap and the run deterministic.
"""

from __future__ import annotations

import ast
import functools
import random
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from petri.ecosystem.judge import Batch, Judge, Phenotype
from petri.program.edits import Original, compiles
from petri.program.identity import program_id
from petri.program.operators import propose

#: Distinct children a genome may have by each kind of birth.
VARIANTS = 8
#: Operators of organism mutation: evolve's as they stood when the ecosystem was tuned, without
#: donors (transfer has its own). A fixed list: an operator evolve gains for its repairs does
#: not change how organisms mutate, so a seeded world still replays as it did.
MUTATION_OPS = (
    "arg_add", "arg_drop", "arg_swap", "attr_add", "attr_replace", "augop_swap", "binop_swap",
    "boolop_swap", "box", "call_wrap", "cmpop_swap", "cond_drop", "cond_narrow", "cond_widen",
    "const_compare", "const_replace", "element_add", "index_add", "index_drop", "index_shift",
    "keyword_replace", "loop_step", "method_add", "name_replace", "operand_swap", "return_add",
    "slice_insert", "stmt_dedent", "stmt_delete", "stmt_indent", "stmt_insert", "stmt_new",
    "stmt_replace", "stmt_swap", "subscript_change", "target_replace", "unary_drop",
    "unary_swap", "unwrap", "wrap",
)  # fmt: skip
_MIX: dict[str, float] = {"arg_add": 0.25, "attr_add": 0.1, "method_add": 0.1, "call_wrap": 0.1}


def size_of(source: str) -> int:
    """A genome's size: the nodes of its syntax tree (what it pays for every tick)."""
    try:
        return sum(1 for _ in ast.walk(ast.parse(source)))
    except SyntaxError:
        return 1


@functools.lru_cache(maxsize=2048)
def _parsed(source: str) -> Original | None:
    try:
        return Original.parse(source)
    except Exception:  # a genome libcst cannot read has no mutants
        return None


class Genomes:
    """The genome table: sources, phenotypes (once judged), sizes, parents, birth caches."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.sources: list[str] = []
        self.parents: list[tuple[int, ...]] = []
        self.born: list[int] = []  # the tick each genome first appeared
        self.sizes: list[int] = []
        self.phenotypes: list[Phenotype | None] = []
        self.index: dict[str, int] = {}
        self.births: dict[tuple[str, int, int, int], int] = {}
        self._arrays: tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64]] | None = None
        self.making_s = 0.0  # time spent making new genomes (libcst), for the benchmark
        self.in_flight: set[int] = set()  # sent to the judge, answer not yet received

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, source: str, parents: tuple[int, ...] = (), tick: int = 0) -> int:
        """The index of ``source``'s genome, added (unjudged) when new."""
        gid = program_id(source)
        found = self.index.get(gid)
        if found is not None:
            return found
        self.index[gid] = len(self.ids)
        self.ids.append(gid)
        self.sources.append(source)
        self.parents.append(parents)
        self.born.append(tick)
        self.sizes.append(size_of(source))
        self.phenotypes.append(None)
        self._arrays = None
        return len(self.ids) - 1

    # -- births --------------------------------------------------------------------------

    def known_child(self, kind: str, g: int, d: int, j: int) -> int | None:
        """The genome that birth made before, or None when it was never tried."""
        return self.births.get((kind, g, d, j))

    def child(self, kind: str, g: int, d: int, j: int, tick: int) -> int:
        """The genome born of ``g`` (and mate or donor ``d``) by ``kind``, draw ``j``."""
        key = (kind, g, d, j)
        found = self.births.get(key)
        if found is not None:
            return found
        start = time.perf_counter()
        source = self._make(kind, g, d, j)
        self.making_s += time.perf_counter() - start
        made = g if source is None else self.add(source, (g,) if kind == "mutant" else (g, d), tick)
        self.births[key] = made
        return made

    def _make(self, kind: str, g: int, d: int, j: int) -> str | None:
        rng = random.Random(f"{self.ids[g]}:{kind}:{self.ids[d]}:{j}")
        if kind == "mutant":
            return _mutant(self.sources[g], rng)
        if kind == "transfer":
            return _transfer(self.sources[g], self.sources[d], rng)
        if kind == "crossover":
            return _crossover(self.sources[g], self.sources[d], rng)
        raise ValueError(f"unknown birth {kind!r}")

    # -- phenotypes ----------------------------------------------------------------------

    def pending(self) -> list[int]:
        """Indices of genomes not judged yet."""
        return [i for i, p in enumerate(self.phenotypes) if p is None]

    def judge(self, judge: Judge) -> int:
        """Judge every pending genome in the sandbox, waiting for the answers; the number."""
        return self.receive(self.send(judge), judge)

    def send(self, judge: Judge) -> Batch:
        """Start judging every pending genome not already being judged."""
        todo = [i for i in self.pending() if i not in self.in_flight]
        self.in_flight.update(todo)
        return judge.submit({self.ids[i]: self.sources[i] for i in todo})

    def receive(self, batch: Batch, judge: Judge) -> int:
        """Wait for ``batch`` and record its phenotypes; the number received."""
        found = judge.collect(batch)
        for gid, phenotype in found.items():
            i = self.index[gid]
            self.phenotypes[i] = phenotype
            self.in_flight.discard(i)
        if found:
            self._arrays = None
        return len(found)

    def arrays(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64]]:
        """Per genome: the task mask, and the cost per tick in size and instructions
        (unjudged genomes perform nothing and cost their size)."""
        if self._arrays is None:
            tasks = np.array([p.tasks if p else 0 for p in self.phenotypes], dtype=np.uint32)
            ops = np.array([p.ops if p else 0 for p in self.phenotypes], dtype=np.float64)
            self._arrays = (tasks, ops)
        return self._arrays

    def size_array(self) -> npt.NDArray[np.float64]:
        return np.array(self.sizes, dtype=np.float64)

    # -- snapshots -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "parents": [list(p) for p in self.parents],
            "born": self.born,
            "phenotypes": [p.to_json() if p else None for p in self.phenotypes],
            "births": [[*k, v] for k, v in self.births.items()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Genomes:
        table = cls()
        for source, parents, born in zip(
            data["sources"], data["parents"], data["born"], strict=True
        ):
            table.add(str(source), tuple(int(p) for p in parents), int(born))
        for i, p in enumerate(data["phenotypes"]):
            table.phenotypes[i] = None if p is None else Phenotype.from_json(p)
        table.births = {
            (str(k), int(g), int(d), int(j)): int(v) for k, g, d, j, v in data["births"]
        }
        return table


def founders_table(sources: Iterable[str]) -> Genomes:
    """A table holding the founders (duplicates by program id counted once)."""
    table = Genomes()
    for source in sources:
        table.add(source)
    return table


def _mutant(source: str, rng: random.Random) -> str | None:
    original = _parsed(source)
    if original is None:
        return None
    edit = propose(original, rng, ops=MUTATION_OPS, mix=_MIX)
    return None if edit is None else original.apply([edit])


def _transfer(source: str, donor: str, rng: random.Random) -> str | None:
    """One statement of the donor's function (its parameters renamed to the recipient's, in
    order) put in place of, before or after one of the recipient's statements."""
    mine, theirs = _function(source), _function(donor)
    if mine is None or theirs is None or donor == source:
        return None
    names = dict(zip(_params(theirs), _params(mine), strict=False))
    lent = _Renamed(names).visit(rng.choice(theirs.body))
    at = rng.randrange(len(mine.body))
    where = rng.choice(("replace", "before", "after"))
    body = list(mine.body)
    if where == "replace":
        body[at] = lent
    else:
        body.insert(at + (where == "after"), lent)
    mine.body = body
    return _render(mine)


def _params(function: ast.FunctionDef) -> list[str]:
    return [a.arg for a in (*function.args.posonlyargs, *function.args.args)]


class _Renamed(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(id=self.names.get(node.id, node.id), ctx=node.ctx)


def _render(function: ast.FunctionDef) -> str | None:
    try:
        made = ast.unparse(ast.fix_missing_locations(ast.Module([function], []))) + "\n"
    except (ValueError, RecursionError):
        return None
    return made if compiles(made) else None


def _crossover(source: str, mate: str, rng: random.Random) -> str | None:
    """``source``'s function with its body's tail replaced by ``mate``'s (one point each)."""
    mine, theirs = _function(source), _function(mate)
    if mine is None or theirs is None:
        return None
    cut = rng.randint(0, len(mine.body))
    at = rng.randint(0, len(theirs.body) - 1)
    mine.body = [*mine.body[:cut], *theirs.body[at:]] or [ast.Pass()]
    return _render(mine)


def _function(source: str) -> ast.FunctionDef | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "organism":
            return node
    return None
