"""The payloads of an evolve run's events: one type per event, each with a JSON round trip.

The engine writes them through ``journal`` and every reader (resume, status, outputs, the
report) gets them back through ``journal.RunState``, so a field one side writes is the field
the other reads. Event type names and field names are the stored format: they do not change.
A ``program_born`` payload is a ``breed.Candidate``; the others are defined here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from petri.config import EvolveSettings
from petri.evolve.objectives import Objective
from petri.sandbox.outcome import Status
from petri.sandbox.spec import JudgeKind

RUN_STARTED = "run_started"
LOCALIZED = "localized"
PROGRAM_BORN = "program_born"
EVALUATED = "evaluated"
GENERATION_DONE = "generation_done"
PROMOTED = "promoted"
SHADOW_TESTED = "shadow_tested"
RUN_FINISHED = "run_finished"

#: How a run ended (see the README's evolve tour); ``stopped``: a person stopped it
#: (``petri stop``), its best program so far promoted as found.
RunStatus = Literal["repaired", "improved", "unchanged", "budget_exhausted", "stopped"]


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Read what ``to_json`` wrote; pydantic's ``ValidationError`` when it is not that."""
        return cls.model_validate(data)


class RunStarted(_Payload):
    """What a run works on: the original program, how it is judged and the run's settings."""

    TYPE = RUN_STARTED

    source: str  # the original program, as it was when the run started
    program: str  # its file name within the problem
    judge: JudgeKind
    problem: str = ""  # the problem folder ("" for a search run inside another job)
    snapshot: str = ""  # digest of the problem snapshot the workers judge in
    seed: int | None = None
    max_evals: int | None = None
    evolve: EvolveSettings | None = None
    wall_time_s: float | None = None
    out: str = ""  # the output folder
    donors: list[str] = Field(default_factory=list)  # sources of the donors, as read at start


class Baseline(_Payload):
    """What the original's evaluation fixed for the whole run (event type ``localized``)."""

    TYPE = LOCALIZED

    weights: dict[int, float] = Field(default_factory=dict)  # line -> suspiciousness
    objectives: tuple[Objective, ...]
    test_timeout_s: float | None = None  # per-test timeout of candidates


class GenerationDone(_Payload):
    """One generation's selection, recorded with its evaluations in one append."""

    TYPE = GENERATION_DONE

    generation: int
    population: list[str]  # the survivors, parents of the next generation
    front: list[str]  # the Pareto front of everything evaluated so far
    best: str
    best_objectives: dict[str, float]
    evaluations: int
    signature: list[list[float]]  # the front's distinct objective vectors, to notice staleness
    stale: int  # generations in a row whose front did not change
    exhausted: bool  # the breeder had no new child to offer


class Difference(BaseModel):
    """One input on which a patch ended otherwise than the original."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    function: str
    input: str  # repr((args, kwargs))
    original: str  # how the original ended (see ``sandbox.judge_shadow``)
    patch: str
    # a change: a difference where the original's answer is not vouched for (not a departure);
    # a violation: the patch answers as the original does, and that answer breaks an invariant
    kind: Literal["crash", "hang", "divergence", "change", "violation"]
    breaks: str = ""  # the invariant of the original's vouched results the patch's answer breaks


class ShadowPatch(BaseModel):
    """The shadow evidence against one plausible patch."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    crashes: int = 0
    hangs: int = 0
    divergences: int = 0
    violations: int = 0  # inputs whose answer breaks an invariant: fewer break ties first
    lines: int = 0  # lines the patch writes (or deletes, if more): fewer break ties first
    tokens: int = 0  # tokens it writes in those lines: fewer break ties next
    changes: int = 0  # other differences: fewer break ties (the smallest change of behaviour)
    differences: list[Difference] = Field(default_factory=list)  # the first few

    @property
    def departures(self) -> int:
        return self.crashes + self.hangs + self.divergences


class ShadowTested(_Payload):
    """The shadow test before promotion: the plausible patches, in the order tried, run
    beside the original on inputs the tests never tried (see ``evolve.shadow``)."""

    TYPE = SHADOW_TESTED

    mode: Literal["repair", "improve"]
    recorded: int  # calls the suite made to the program's functions
    inputs: int  # generated inputs run on the original and on every patch
    trusted: int  # of them, near calls of tests the original passes, its answer not off
    patches: list[ShadowPatch]
    chosen: str  # the patch promoted (the original's id when improve mode rejects them all)
    shared: int = 0  # inputs on which every patch's answer breaks an invariant (rank none)
    note: str = ""  # why there was little or no evidence


class Promoted(_Payload):
    """The program the run settled on (its minimized form when it was feasible)."""

    TYPE = PROMOTED

    id: str
    objectives: dict[str, float]
    status: RunStatus


class RunFinished(_Payload):
    """The end of a run, once its outputs are written."""

    TYPE = RUN_FINISHED

    status: RunStatus
    best: str
    evaluations: int
    duration_s: float
    out: str


@dataclass(frozen=True)
class Record:
    """What the run keeps of one evaluation: status, objective values and its number."""

    TYPE: ClassVar[str] = EVALUATED

    id: str
    status: Status
    objectives: dict[str, float]
    passed: int
    failed: int
    duration_s: float
    n: int  # 1 for the first evaluation of the run, 2 for the next, ...
    #: ``Evaluation.behaviour``: what its tests did, as a digest (records of older runs: "")
    behaviour: str = ""
    memory_bytes: int = 0  # the evaluation's peak memory (records of older runs: 0)
    #: The operators its failing tests' crashes point at (``evolve.crash_hints``)
    hints: tuple[str, ...] = ()
    #: The names those crashes name as missing (``NameError``)
    named: tuple[str, ...] = ()
    #: The original's lines where those crashes were raised (``crash_hints.original_lines``)
    crashed: tuple[int, ...] = ()

    @property
    def feasible(self) -> bool:
        return self.status is Status.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "objectives": self.objectives,
            "passed": self.passed,
            "failed": self.failed,
            "duration_s": round(self.duration_s, 6),
            "n": self.n,
            **({"behaviour": self.behaviour} if self.behaviour else {}),
            **({"memory_bytes": self.memory_bytes} if self.memory_bytes else {}),
            **({"hints": list(self.hints)} if self.hints else {}),
            **({"named": list(self.named)} if self.named else {}),
            **({"crashed": list(self.crashed)} if self.crashed else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Record:
        """Read what ``to_json`` wrote; ``KeyError``/``ValueError`` when it is not that."""
        return cls(
            id=str(data["id"]),
            status=Status(data["status"]),
            objectives={str(k): float(v) for k, v in data["objectives"].items()},
            passed=int(data["passed"]),
            failed=int(data["failed"]),
            duration_s=float(data["duration_s"]),
            n=int(data["n"]),
            behaviour=str(data.get("behaviour", "")),
            memory_bytes=int(data.get("memory_bytes", 0)),
            hints=_names(data.get("hints", [])),
            named=_names(data.get("named", [])),
            crashed=_lines(data.get("crashed", [])),
        )


def _lines(value: object) -> tuple[int, ...]:
    """A list of line numbers read back as a tuple; ValueError for anything else."""
    if not isinstance(value, list) or not all(type(v) is int and v > 0 for v in value):
        raise ValueError(f"expected a list of line numbers, got {value!r}")
    return tuple(value)


def _names(value: object) -> tuple[str, ...]:
    """A list of names read back as a tuple; ValueError for anything else (``"box"`` would
    otherwise read as its letters)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of names, got {value!r}")
    return tuple(value)
