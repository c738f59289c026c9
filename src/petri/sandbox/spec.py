"""What the sandbox needs to know about a problem's judge, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

JudgeKind = Literal["tests", "evaluate"]

#: The largest program petri accepts, for the original and for every candidate.
MAX_SOURCE_BYTES = 1 << 20


@dataclass(frozen=True)
class JudgeSpec:
    """A problem folder as the sandbox sees it.

    ``root`` is mounted read-only inside the jail; ``program`` names the file (relative to
    ``root``) whose module the tests import by its stem, or whose path ``evaluate()`` receives.
    """

    root: Path
    program: str
    kind: JudgeKind

    @property
    def module(self) -> str:
        return Path(self.program).stem
