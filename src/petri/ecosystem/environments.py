"""What the world rewards: the tasks an organism's code may perform, and how they are checked.

An environment is data plus a judge script. Its tasks are named; task ``k`` is bit ``k`` of a
genome's phenotype and has a resource field of its own on the grid, whose uptake is worth
``rewards[k]`` energy per unit. The judge script (an ``evaluate.py`` for petri's sandbox) imports
a genome, calls its function ``organism`` on the environment's inputs and returns one metric per
task (1.0 when every answer is right) plus ``ops``: the bytecode instructions the calls ran,
counted by a tracer, which is the genome's CPU cost. Counting instructions rather than timing
them keeps a run deterministic: the same genome costs the same on any machine and under any
load. A call past ``MAX_OPS`` instructions stops there and performs nothing.

Two are bundled. ``logic`` follows Avida's logic tasks on 32-bit integers (NOT, NAND, AND,
OR_N, OR, AND_N, NOR, XOR, EQU; one-input tasks may use either input), rewarded by how many
steps they take to build from simpler operations. ``lists`` rewards list transforms checked on
examples (sort, reverse, max, min, sum, length, dedupe), for founders that take one list. A new
environment is an ``Environment`` value registered in ``ENVIRONMENTS``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

#: Instructions a genome may run over all of an environment's inputs before it is cut off.
MAX_OPS = 20_000
MASK32 = 0xFFFFFFFF

_JUDGE_HEAD = '''
"""petri ecosystem judge ({name}): which tasks a genome performs, and its cost in instructions."""
import copy
import importlib.util
import inspect
import sys

MAX_OPS = {max_ops}
INPUTS = {inputs!r}


class _Cut(Exception):
    pass


def _load(path):
    spec = importlib.util.spec_from_file_location("genome", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "organism", None)


def _arity(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 0
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in kinds and p.default is p.empty)


def _traced(fn, args, budget):
    """fn(*args) with each bytecode instruction counted; stops at the budget."""
    count = [0]

    def tracer(frame, event, arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            count[0] += 1
            if count[0] > budget:
                raise _Cut()
        return tracer

    sys.settrace(tracer)
    try:
        out = fn(*args)
    except _Cut:
        raise
    except Exception:
        out = None  # a genome that raises answers nothing, but pays for what it ran
    finally:
        sys.settrace(None)
    return out, count[0]


def evaluate(program_path):
    names = {tasks!r}
    metrics = {{"task_" + n: 0.0 for n in names}}
    metrics["ops"] = float(MAX_OPS)
    try:
        fn = _load(program_path)
    except Exception:
        return metrics
    if not callable(fn):
        return metrics
    arity = _arity(fn)
    answers, used = [], 0
    for case in INPUTS:
        # A copy: a genome that sorts its input in place must not change the next check.
        args = copy.deepcopy(case[:arity]) if arity <= len(case) else None
        if args is None:
            return metrics
        try:
            out, n = _traced(fn, args, MAX_OPS - used)
        except _Cut:
            return metrics
        used += n
        answers.append(out)
    metrics["ops"] = float(used)
    for name in names:
        metrics["task_" + name] = 1.0 if _performs(name, answers) else 0.0
    return metrics
'''

_LOGIC_CHECKS = """

MASK = 0xFFFFFFFF
_TASKS = {
    "NOT": (lambda a, b: ~a, lambda a, b: ~b),
    "NAND": (lambda a, b: ~(a & b),),
    "AND": (lambda a, b: a & b,),
    "OR_N": (lambda a, b: a | ~b, lambda a, b: b | ~a),
    "OR": (lambda a, b: a | b,),
    "AND_N": (lambda a, b: a & ~b, lambda a, b: b & ~a),
    "NOR": (lambda a, b: ~(a | b),),
    "XOR": (lambda a, b: a ^ b,),
    "EQU": (lambda a, b: ~(a ^ b),),
}


def _performs(name, answers):
    if not all(type(x) is int for x in answers):
        return False
    for task in _TASKS[name]:
        if all((x & MASK) == (task(a, b) & MASK) for x, (a, b) in zip(answers, INPUTS)):
            return True
    return False
"""

_LISTS_CHECKS = """

_TASKS = {
    "sort": lambda xs: sorted(xs),
    "reverse": lambda xs: list(reversed(xs)),
    "max": lambda xs: max(xs),
    "min": lambda xs: min(xs),
    "sum": lambda xs: sum(xs),
    "length": lambda xs: len(xs),
    "dedupe": lambda xs: list(dict.fromkeys(xs)),
}


def _plain(x):
    return type(x) is int or (type(x) in (list, tuple) and all(type(v) is int for v in x))


def _performs(name, answers):
    if not all(_plain(x) for x in answers):
        return False
    want = _TASKS[name]
    return all(
        (list(x) if type(x) is tuple else x) == want(list(case[0]))
        for x, case in zip(answers, INPUTS)
    )
"""


@dataclass(frozen=True)
class Environment:
    """Tasks (bit ``k`` of a phenotype is ``tasks[k]``), their rewards, and the judge script."""

    name: str
    tasks: tuple[str, ...]
    rewards: tuple[float, ...]
    inputs: tuple[tuple[object, ...], ...]
    checks: str  # the judge's ``_performs(name, answers)``, as source

    def __post_init__(self) -> None:
        if len(self.tasks) != len(self.rewards) or not self.tasks:
            raise ValueError("an environment needs one reward per task, and at least one task")
        if len(self.tasks) > 30:
            raise ValueError("at most 30 tasks: a phenotype is a 32-bit mask")

    def judge_source(self) -> str:
        """The ``evaluate.py`` that petri's sandbox runs on each new genome."""
        head = _JUDGE_HEAD.format(
            name=self.name, max_ops=MAX_OPS, inputs=list(self.inputs), tasks=list(self.tasks)
        )
        return head.lstrip() + self.checks

    def performed(self, metrics: dict[str, float]) -> int:
        """The phenotype bit mask from the judge's metrics."""
        mask = 0
        for k, name in enumerate(self.tasks):
            if metrics.get(f"task_{name}", 0.0) >= 1.0:
                mask |= 1 << k
        return mask


def _logic_inputs() -> tuple[tuple[object, ...], ...]:
    # Fixed pseudo-random 32-bit pairs: every bit pattern shows up, so no shortcut passes.
    rng = random.Random("petri-logic-inputs")
    return tuple((rng.getrandbits(32), rng.getrandbits(32)) for _ in range(6))


def _lists_inputs() -> tuple[tuple[object, ...], ...]:
    rng = random.Random("petri-lists-inputs")
    cases: list[tuple[object, ...]] = []
    for n in (3, 5, 6, 8):
        cases.append(([rng.randint(-9, 9) for _ in range(n)],))
    return tuple(cases)


LOGIC = Environment(
    name="logic",
    tasks=("NOT", "NAND", "AND", "OR_N", "OR", "AND_N", "NOR", "XOR", "EQU"),
    rewards=(2.0, 2.0, 4.0, 4.0, 8.0, 8.0, 16.0, 16.0, 32.0),
    inputs=_logic_inputs(),
    checks=_LOGIC_CHECKS,
)
LISTS = Environment(
    name="lists",
    tasks=("length", "sum", "max", "min", "reverse", "dedupe", "sort"),
    rewards=(1.0, 2.0, 2.0, 2.0, 4.0, 8.0, 16.0),
    inputs=_lists_inputs(),
    checks=_LISTS_CHECKS,
)
ENVIRONMENTS: dict[str, Environment] = {env.name: env for env in (LOGIC, LISTS)}


def environment(name: str) -> Environment:
    """The bundled environment ``name``; ValueError naming the known ones otherwise."""
    try:
        return ENVIRONMENTS[name]
    except KeyError:
        known = ", ".join(sorted(ENVIRONMENTS))
        raise ValueError(f"unknown environment {name!r}; choose one of: {known}") from None
