"""The exceptions petri raises, in one hierarchy.

::

    PetriError                      anything petri raises on purpose
    ├── ConfigError                 a setting or petri.toml value is wrong
    │   └── GoalError               a goal file (GOAL.toml) cannot be used as given
    ├── ProblemError                a PROBLEM folder cannot be used as given
    │   ├── ProblemNotFound         the folder or a file it names does not exist
    │   ├── ProgramError            the program file is missing, binary, huge or not Python
    │   ├── JudgeError              tests/ or evaluate.py is missing, broken or returns bad data
    │   └── RepositoryError         a repository cannot be repaired as given (no tests)
    ├── SandboxError                the sandbox itself failed (never a candidate's fault)
    │   ├── JailUnavailable         the requested jail cannot be started on this host
    │   └── WorkerLost              a pool worker died and could not be replaced
    ├── BackendError                a storage or queue backend failed
    │   ├── MissingDriver           the backend's optional dependency is not installed
    │   ├── StateConflict           a compare-and-set write lost the race (stale version)
    │   └── TaskNotFound            a queue task (e.g. a dependency) does not exist
    ├── IntegrationError            git (or another outside tool) cannot do what was asked
    ├── AgentError                  an agent or one of its tools could not do its work
    │   ├── ToolError               a tool raised, or was called with arguments of the wrong type
    │   └── PermissionDenied        a tool call reached outside the tool's declared permissions
    ├── ModelError                  a model backend failed after its retries
    │   ├── ModelOutputError        the model's answer did not validate, even after the re-ask
    │   └── BudgetExhausted         the run's token or cost budget is spent (resume with more)
    └── ReviewError                 a review names an unknown result or one not waiting for review

A candidate misbehaving is never an exception: it is an ``Evaluation`` whose status says what
happened. Foreign exceptions are translated at the boundary with ``raise ... from exc``; only
``petri.cli`` turns these into messages and exit codes.
"""

from __future__ import annotations


class PetriError(Exception):
    """Base class of every error petri raises on purpose.

    The message is one line that names the problem and the fix.
    """


class ConfigError(PetriError):
    """A setting (environment variable or petri.toml) has a wrong value."""


class ProblemError(PetriError):
    """A PROBLEM folder cannot be used as given."""


class ProblemNotFound(ProblemError):
    """The problem folder, or a file it names, does not exist."""


class ProgramError(ProblemError):
    """The program file is missing, binary, too large or not readable as Python source."""


class JudgeError(ProblemError):
    """The judge (tests/ or evaluate.py) is missing, cannot be loaded or returned bad data."""


class SandboxError(PetriError):
    """The sandbox machinery failed; this is petri's fault or the host's, never a candidate's."""


class JailUnavailable(SandboxError):
    """The requested jail (e.g. bubblewrap) cannot be started on this host."""


class WorkerLost(SandboxError):
    """A pool worker died and a replacement could not be started."""


class BackendError(PetriError):
    """A storage or queue backend failed."""


class MissingDriver(BackendError):
    """A backend's optional dependency is not installed; the message names the extra to install."""


class StateConflict(BackendError):
    """A compare-and-set write found a newer version than the one it expected.

    ``key`` names the state object, ``expected`` the version the writer read and ``actual``
    the version the store holds; the caller re-reads and retries (optimistic concurrency).
    """

    def __init__(self, key: str, expected: int, actual: int) -> None:
        super().__init__(
            f"state {key!r} changed under you: expected version {expected}, found {actual};"
            " re-read and retry"
        )
        self.key = key
        self.expected = expected
        self.actual = actual

    def __reduce__(self) -> tuple[type[StateConflict], tuple[str, int, int]]:
        return (StateConflict, (self.key, self.expected, self.actual))


class TaskNotFound(BackendError):
    """A queue operation named a task id that the queue does not hold."""


class IntegrationError(PetriError):
    """An outside tool petri drives (git) is missing or refused: no repository, branch exists."""


class GoalError(ConfigError):
    """A goal file has unknown keys, wrong types or names agents that do not exist."""


class RepositoryError(ProblemError):
    """A repository cannot be repaired as given: not a folder, no tests, nothing to edit."""


class AgentError(PetriError):
    """An agent or one of its tools could not do its work."""


class ToolError(AgentError):
    """A tool raised, or was called with arguments that do not match its type hints."""


class PermissionDenied(AgentError):
    """A tool call reached outside the permissions the tool declared (a path, a process, a
    host); the call is refused before or while it runs, and recorded."""


class ModelError(PetriError):
    """A model backend failed after its retries (unreachable, refused, timed out)."""


class ModelOutputError(ModelError):
    """The model's answer did not validate against the schema asked for, even after it was
    asked again with the validation error."""


class BudgetExhausted(ModelError):
    """The run's token or cost budget is spent; the run stops cleanly and resumes with more."""


class ReviewError(PetriError):
    """A review names an unknown result, or one that is not waiting for a person."""
