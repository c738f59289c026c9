"""The shadow test before promotion: plausible patches beside the original, on new inputs.

Passing the tests is not being right: a patch may pass them by special-casing what they check.
So before a patch is promoted, petri runs the original and each plausible patch, in the
sandbox, on inputs the tests never tried (``evolve.shadow_inputs``), calling the program's
functions directly, and compares how each call ended: the value returned (and the arguments
after the call), the type of the exception raised, or a hang.

The rule, per input, where the original returned or raised (an input on which the original
hangs says nothing):

* a patch that hangs where the original did not: a **hang**;
* a patch that raises where the original returned: a **crash**;
* any other difference is a **divergence**: in improve mode everywhere (the original is right
  by definition, the test is differential), in repair mode only on trusted inputs (near calls
  made by tests the original passes) on which the original returned. Elsewhere the original
  may be exactly what the repair fixes, and a difference there is only a **change**.

The calls the tests made are run too: simple invariants of the answers the tests vouch for
(``evolve.shadow_invariants``: type, sign, a length that never changes) say what a right answer
looks like. Vouched for are the original's answers on the calls of the tests it passes and, for
a function it passes no test of, in a repair, the plausible patches' answers where they all
agree (each passes every test): a ``top_k`` that fails every test still says through its
patches that it answers a list. An input on which the original's result breaks one is not
trusted, and a patch counts a **violation** for each input on which its result breaks one and
another patch's does not (one that every patch breaks ranks none above another; the engine
then tries the patch to promote with guards for the empty input, ``Engine._guarded``).

Nor is any input of a function that a failing test called and whose original returns one and
the same value on every input it answers, never changing its arguments (``constants``): a
``gcd`` that ends with ``return abs(b)`` after Euclid's loop answers 0 everywhere, and passes
``gcd(0, 0) == 0`` by chance, so the 0 it answers near that call vouches for nothing.

A repair promotes the plausible patch with the fewest departures (crashes + hangs +
divergences), then the fewest violations, then the fewest lines written (a whole block copied
into itself may pass the tests and differ from the original on fewer inputs than the one-token
fix), then the fewest tokens written in them, then the fewest changes (of the patches that pass
the tests, the one that changes the program's behaviour least: a patch overfitted to the tests
tends to change it more widely than the fix), then the engine's order (its objectives).

Tokens come before changes because changes measure closeness to an original that is wrong
somewhere: where it is wrong nearly everywhere (``return abs(b)`` after Euclid's loop, always
0), the patch that changes least is the one that keeps most of the bug (``abs(max(a, b))``,
still 0 wherever ``a`` ends negative), and the smaller edit (``abs(a)``) is the likelier fix. An
improvement is promoted only when it departs from the original on no input at all.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import shutil
import tempfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol

from petri.config import Limits, SandboxSettings
from petri.errors import SandboxError
from petri.evolve.events import Difference, ShadowPatch, ShadowTested
from petri.evolve.shadow_inputs import Input, Recorded, generate
from petri.evolve.shadow_invariants import Invariant, broken, mine
from petri.evolve.shadow_invariants import kind as value_kind
from petri.evolve.tasks import unpack as unpack_snapshot
from petri.runtime.store import Store
from petri.sandbox.judge_shadow import PLAN_FILE, unpack
from petri.sandbox.outcome import Evaluation, Status
from petri.sandbox.pool import WorkerPool
from petri.sandbox.spec import JudgeSpec

Mode = Literal["repair", "improve"]
CALL_TIMEOUT_S = 0.25  # per call: the bundled programs answer in microseconds
MAX_INPUTS = 200
MAX_RECORDED = 300
KEEP_DIFFERENCES = 3  # differences kept as evidence per patch


@dataclass(frozen=True)
class Patch:
    """A plausible patch to shadow-test: its program id and source."""

    id: str
    source: str
    lines: int = 0  # lines it writes (or deletes, if more), for ``choose``
    tokens: int = 0  # tokens it writes in them, for ``choose``


class ShadowTester(Protocol):
    """Runs the shadow test; the engine's one dependency on it."""

    def test(
        self, original: Patch, patches: Sequence[Patch], mode: Mode, seed: int
    ) -> ShadowTested:
        """The evidence against each of ``patches`` and the one to promote."""
        ...


class SandboxShadow:
    """The shadow test in the sandbox, on a copy of a pytest problem (file layout)."""

    def __init__(self, spec: JudgeSpec, limits: Limits, sandbox: SandboxSettings) -> None:
        self.spec = spec
        self.limits = limits
        self.sandbox = sandbox.model_copy(update={"workers": 1})

    def test(
        self, original: Patch, patches: Sequence[Patch], mode: Mode, seed: int
    ) -> ShadowTested:
        if self.spec.kind != "tests" or self.spec.layout != "file":
            return unweighed(original, patches, mode, "the shadow test needs a pytest problem")
        with tempfile.TemporaryDirectory(prefix="petri-shadow-") as tmp:
            os.chmod(tmp, 0o755)  # a jail's own uid reads the copy
            root = Path(tmp, "problem")
            ignore = shutil.ignore_patterns(".petri", ".git", "__pycache__", "holdout")
            shutil.copytree(self.spec.root, root, ignore=ignore)
            spec = JudgeSpec(
                root=root,
                program=self.spec.program,
                kind="shadow",
                module_name=self.spec.module_name,
                tests=self.spec.tests,
            )
            recorded = self._record(spec, original.source)
            inputs = generate(recorded, original.source, seed, MAX_INPUTS)
            if not inputs:
                note = "no inputs: the tests passed no literal values to the program's functions"
                return unweighed(original, patches, mode, note, len(recorded))
            vouched = _vouched(recorded)
            rows = self._call(spec, [original, *patches], [*inputs, *vouched])
        n = len(inputs)
        before = rows[original.id]
        agreed = [rows[p.id][n:] for p in patches] if mode == "repair" else []
        invariants = mine(_answers(vouched, before[n:], agreed))
        failing = {call.function for call in recorded if not call.passed}
        constant = constants(zip([*inputs, *vouched], before, strict=True), failing)
        inputs = distrust(inputs, before[:n], invariants, constant)
        answered = [rows[p.id][:n] for p in patches]
        common = _broken_by_all(invariants, inputs, answered)
        weighed = [
            weigh(
                p.id, mode, inputs, before[:n], a, invariants=invariants, common=common
            ).model_copy(update={"lines": p.lines, "tokens": p.tokens})
            for p, a in zip(patches, answered, strict=True)
        ]
        return ShadowTested(
            mode=mode,
            recorded=len(recorded),
            inputs=len(inputs),
            trusted=sum(i.trusted for i in inputs),
            patches=weighed,
            shared=len(common),
            chosen=choose(weighed, mode, original.id),
        )

    def _record(self, spec: JudgeSpec, source: str) -> list[Recorded]:
        _plan(spec.root, {"mode": "record", "limit": MAX_RECORDED})
        with WorkerPool(spec, self.limits, self.sandbox) as pool:
            evaluation = pool.evaluate(source)
        recorded: list[Recorded] = []
        for row in _rows(evaluation):
            if isinstance(row, list) and len(row) == 4:
                recorded.append(Recorded(str(row[0]), str(row[1]), str(row[2]), row[3] is True))
        return recorded

    def _call(
        self, spec: JudgeSpec, programs: Sequence[Patch], inputs: list[Input]
    ) -> dict[str, list[Ending]]:
        calls = [[i.function, i.args] for i in inputs]
        _plan(spec.root, {"mode": "call", "inputs": calls, "timeout_s": CALL_TIMEOUT_S})
        found: dict[str, list[Ending]] = {}
        with WorkerPool(spec, self.limits, self.sandbox) as pool:
            for program in programs:
                if program.id not in found:
                    found[program.id] = _outcomes(pool.evaluate(program.source), inputs)
        return found


def from_snapshot(store: Store, digest: str) -> SandboxShadow | None:
    """The shadow test of the run's published problem snapshot; None unless it is a pytest
    problem (an evaluate.py score has no functions of its own to call)."""
    record, _ = store.get(f"problem:{digest}")
    if not isinstance(record, Mapping) or record.get("kind") != "tests":
        return None
    root = unpack_snapshot(digest, base64.b64decode(record["archive"]))
    spec = JudgeSpec(root=root, program=str(record["program"]), kind="tests")
    sandbox = SandboxSettings(jail=record.get("jail", "auto"), workers=1)
    return SandboxShadow(spec, Limits(**record["limits"]), sandbox)


def _vouched(recorded: list[Recorded]) -> list[Input]:
    """The calls the tests made, once each, ``trusted`` where the test passed on the original:
    what the invariants are mined on (``_answers``)."""
    found: dict[tuple[str, str], Input] = {}
    for call in sorted(recorded, key=lambda c: not c.passed):  # a call some test passed: trusted
        if len(found) < MAX_RECORDED:
            found.setdefault(
                (call.function, call.args), Input(call.function, call.args, call.passed, "vouched")
            )
    return list(found.values())


def _answers(
    vouched: list[Input], original: list[Ending], patches: list[list[Ending]]
) -> list[tuple[str, object]]:
    """``(function, result)`` of each answer on ``vouched`` (the tests' calls) that a passing
    test vouches for: the original's on the calls of the tests it passes; and for a function
    the original passes no test of, the plausible patches' (in a repair: each passes every
    test) where they all return one literal. Where the original passes some, its answers
    alone: a patch overfitted to a test (``return False`` where ``search(x, ()) == 0``) would
    blur what its answers say."""
    found: list[tuple[str, object]] = []
    for item, ending in zip(vouched, original, strict=True):
        if item.trusted and _literal_return(ending):
            found.append((item.function, ending.result))
    known = {function for function, _ in found}
    for index, item in enumerate(vouched):
        answers = [answered[index] for answered in patches]
        if item.function in known or not answers:
            continue
        first = answers[0]
        if all(_literal_return(a) and _equal(a.result, first.result) for a in answers):
            found.append((item.function, first.result))
    return found


def _literal_return(ending: Ending) -> bool:
    return ending.kind == "return" and ending.literal


#: Answers a function must give, all equal, before it is believed constant.
MIN_CONSTANT = 5


def constants(answers: Iterable[tuple[Input, Ending]], failing: Collection[str]) -> set[str]:
    """The functions of ``failing`` (some test that called them failed) whose original
    returned one and the same literal on every input it answered, ``MIN_CONSTANT`` at least,
    and never changed its arguments: its answer does not depend on its input, so a test it
    passes agrees with it by chance (an in-place sort returns None and answers in its list)."""
    values: dict[str, list[object]] = {}
    mutating: set[str] = set()
    for item, ending in answers:
        if item.function in failing and ending.kind == "return" and ending.literal:
            values.setdefault(item.function, []).append(ending.result)
            if ending.mutated:
                mutating.add(item.function)
    return {
        function
        for function, seen in values.items()
        if function not in mutating
        and len(seen) >= MIN_CONSTANT
        and all(_equal(value, seen[0]) for value in seen)
    }


def _equal(a: object, b: object) -> bool:
    """``a == b`` between values of one kind (``False`` is not ``0``; ``0`` is ``0.0``)."""
    try:
        return value_kind(a) == value_kind(b) and bool(a == b)
    except Exception:  # values whose comparison raises: not equal
        return False


def distrust(
    inputs: list[Input],
    original: list[Ending],
    invariants: Mapping[str, list[Invariant]],
    constant: Collection[str] = (),
) -> list[Input]:
    """``inputs``, those on which the original's answer is visibly off no longer trusted: it
    breaks one of ``invariants``, or its function is one of ``constant``."""
    return [
        replace(item, trusted=False)
        if item.trusted and (item.function in constant or _breaks(invariants, item.function, end))
        else item
        for item, end in zip(inputs, original, strict=True)
    ]


def _plan(root: Path, plan: dict[str, object]) -> None:
    (root / PLAN_FILE).write_text(json.dumps(plan), encoding="utf-8")


def _rows(evaluation: Evaluation) -> list[object]:
    try:
        return unpack(evaluation.artifacts)
    except (KeyError, ValueError) as exc:
        raise SandboxError(f"the shadow test's report cannot be read: {exc}") from exc


@dataclass(frozen=True)
class Ending:
    """How one call ended: it returned (``value``: the result and the arguments after the
    call, read back as literals where they can be, so ``2 == 2.0``), raised, hung, or was
    skipped. ``text`` is how the evidence shows it."""

    kind: Literal["return", "raise", "hang", "skip"]
    text: str
    value: object = None
    literal: bool = False  # the result was read back as a literal (not an object's repr)
    mutated: bool = False  # the call changed its arguments in place

    @property
    def result(self) -> object:
        """The value returned (``value``'s first half); None unless it returned."""
        return self.value[0] if isinstance(self.value, tuple) else None

    @classmethod
    def of(cls, row: object, call: str) -> Ending:
        if isinstance(row, list) and len(row) == 2:
            result, after = str(row[0]), str(row[1])
            text = f"= {result}"
            mutated = after != _args_repr(call)
            if mutated:
                text += f", arguments became {after}"
            value = _literal(result)
            literal = not isinstance(value, str) or repr(value) == result
            return cls("return", text, (value, _literal(after)), literal, mutated)
        text = str(row)
        kind: Literal["raise", "hang", "skip"] = "raise"
        if text in ("hang", "skip"):
            kind = "hang" if text == "hang" else "skip"
        return cls(kind, text)

    def same(self, other: Ending) -> bool:
        if self.kind != other.kind:
            return False
        if self.kind != "return":
            return self.text == other.text
        try:
            return bool(self.value == other.value)
        except Exception:  # values whose comparison raises: compare what was shown
            return self.text == other.text


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except Exception:  # not a literal (an object's repr, a cut value): keep the text
        return text


def _args_repr(call: str) -> str:
    value = _literal(call)
    return repr(value[0]) if isinstance(value, tuple) and len(value) == 2 else ""


def _outcomes(evaluation: Evaluation, inputs: list[Input]) -> list[Ending]:
    """How each call ended; a program that never reported ends every call alike."""
    if evaluation.status is Status.TIMEOUT:
        rows: list[object] = ["hang"] * len(inputs)
    elif evaluation.status is not Status.OK:
        rows = [f"! {evaluation.status.value}"] * len(inputs)
    else:
        rows = _rows(evaluation)
        rows += ["skip"] * (len(inputs) - len(rows))
    return [Ending.of(row, item.args) for row, item in zip(rows, inputs, strict=False)]


def weigh(
    pid: str,
    mode: Mode,
    inputs: list[Input],
    original: list[Ending],
    patch: list[Ending],
    *,
    invariants: Mapping[str, list[Invariant]] | None = None,
    common: Collection[int] = (),
) -> ShadowPatch:
    """The departures of ``patch`` from ``original`` on ``inputs`` (trusted as ``distrust``
    left them) and its violations of ``invariants`` (the module docstring's rule), with the
    first few differences as evidence. Inputs numbered in ``common`` are broken by every
    patch: they rank none above another, so they count no violation."""
    rules = invariants or {}
    counts = {"crash": 0, "hang": 0, "divergence": 0, "change": 0}
    violations = 0
    found: list[Difference] = []
    for index, (item, before, after) in enumerate(zip(inputs, original, patch, strict=True)):
        breaks = "" if index in common else _breaks(rules, item.function, after)
        violations += bool(breaks)
        kind = departure(mode, item.trusted, before, after)
        if kind is not None:
            counts[kind] += 1
        shown = kind is not None and counts[kind] <= KEEP_DIFFERENCES
        if shown or (breaks and violations <= KEEP_DIFFERENCES):
            difference = Difference(
                function=item.function,
                input=item.args,
                original=before.text,
                patch=after.text,
                kind=kind or "violation",  # where it answers as the original does
                breaks=breaks,
            )
            found.append(difference)
    # Departures first, then violations, then changes.
    found.sort(key=lambda d: (d.kind in ("change", "violation"), not d.breaks))
    return ShadowPatch(
        id=pid,
        crashes=counts["crash"],
        hangs=counts["hang"],
        divergences=counts["divergence"],
        violations=violations,
        changes=counts["change"],
        differences=found[:KEEP_DIFFERENCES],
    )


def _broken_by_all(
    invariants: Mapping[str, list[Invariant]], inputs: list[Input], answers: list[list[Ending]]
) -> frozenset[int]:
    """The inputs (by number) on which every patch's answer breaks an invariant."""
    return frozenset(
        i
        for i, item in enumerate(inputs)
        if answers and all(_breaks(invariants, item.function, a[i]) for a in answers)
    )


def _breaks(invariants: Mapping[str, list[Invariant]], function: str, ending: Ending) -> str:
    """The invariant ``ending``'s result breaks, if it returned a literal; else ""."""
    if ending.kind != "return" or not ending.literal:
        return ""
    return broken(invariants, function, ending.result)


def departure(
    mode: Mode, trusted: bool, before: Ending, after: Ending
) -> Literal["crash", "hang", "divergence", "change"] | None:
    """What a patch ending ``after`` where the original ended ``before`` counts as."""
    if before.kind in ("hang", "skip") or after.kind == "skip" or after.same(before):
        return None
    if after.kind == "hang":
        return "hang"
    returned = before.kind == "return"
    if returned and after.kind == "raise":
        return "crash"
    if mode == "improve" or (trusted and returned):
        return "divergence"
    return "change"


def choose(patches: list[ShadowPatch], mode: Mode, original: str) -> str:
    """Repair: the fewest departures, then violations, then lines written, then tokens
    written, then changes, the first on a tie; improve: the first with no departure, else
    the original."""
    if mode == "improve":
        return next((p.id for p in patches if p.departures == 0), original)
    if not patches:
        return original
    return min(patches, key=lambda p: (p.departures, p.violations, p.lines, p.tokens, p.changes)).id


def unweighed(
    original: Patch, patches: Sequence[Patch], mode: Mode, note: str, recorded: int = 0
) -> ShadowTested:
    """Evidence of no test at all: the engine's first patch is promoted."""
    return ShadowTested(
        mode=mode,
        recorded=recorded,
        inputs=0,
        trusted=0,
        patches=[ShadowPatch(id=p.id, lines=p.lines, tokens=p.tokens) for p in patches],
        chosen=patches[0].id if patches else original.id,
        note=note,
    )
