"""Agents: ``@agent`` classes that carry out swarm tasks, with state that outlives a kill.

An agent declares the ``capability`` a worker must have to run it, the task ``kinds`` it
handles, the tools it may call and the permissions it is granted. ``handle(task)`` returns a
result: plain JSON, optionally with a ``change`` (a compare-and-set write of the shared state,
applied by the coordinator once the judge approves) and ``evidence`` for the judge.

Agents are stateless between tasks except for ``self.state``: a dict loaded from the store
before ``handle`` and written back after it with compare-and-set, with one history entry per
task. A worker killed mid-task re-runs the task elsewhere, and that agent starts from the
state its predecessor last saved.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from petri.agents.models import SwarmTask
from petri.agents.permissions import Permissions
from petri.agents.rubric import Rubric, RubricRegistry
from petri.agents.shared import SharedState
from petri.agents.tools import ToolRegistry, call_tool, default_registry
from petri.errors import AgentError, ConfigError
from petri.runtime.store import Store

#: Entries of an agent's history kept in its saved state (older ones live in the events).
HISTORY_KEPT = 50

#: ``record(event_type, payload)`` appends an event to the run (what it returns is ignored).
Record = Callable[[str, dict[str, Any]], object]


class AgentContext:
    """What an agent may use while it handles one task."""

    def __init__(
        self,
        *,
        run_id: str,
        store: Store,
        tools: ToolRegistry,
        record: Record,
        config: Mapping[str, Any],
        model: Any = None,
        worker: str = "",
    ) -> None:
        self.run_id = run_id
        self.store = store
        self.shared = SharedState(store, run_id)
        self.tools = tools
        self.record = record
        self.config = config  # the run's swarm_started payload
        self.model = model  # a petri.llm Model, or None (offline)
        self.worker = worker


class Agent:
    """Base of every agent. Subclasses set the class attributes and implement ``handle``."""

    #: The name it is registered under (default: the class name).
    name: ClassVar[str] = ""
    #: What a worker must offer to run this agent's tasks.
    capability: ClassVar[str] = "default"
    #: Task kinds it handles.
    kinds: ClassVar[tuple[str, ...]] = ()
    #: Tools it may call, by name; empty: none.
    tools: ClassVar[tuple[str, ...]] = ()
    #: The most its tools may do; a tool that needs more is refused.
    granted: ClassVar[Permissions] = Permissions()
    #: How the judge scores its results (None: the default rubric).
    rubric: ClassVar[Rubric | None] = None

    def __init__(self, ctx: AgentContext) -> None:
        self.ctx = ctx
        self.state: dict[str, Any] = {}
        self.history: list[dict[str, Any]] = []

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        """Carry out ``task``; the result is judged, then its ``change`` (if any) promoted."""
        raise NotImplementedError(f"{type(self).__name__}.handle")

    def state_key(self, task: SwarmTask) -> str:
        """Which saved state this instance uses for ``task`` (default: one per agent)."""
        return self.name or type(self).__name__

    def call(self, tool: str, **args: Any) -> Any:
        """Call one of this agent's tools: arguments validated, permissions enforced, recorded."""
        if tool not in self.tools:
            raise AgentError(
                f"agent {self.name} may not call tool {tool!r}; add it to {type(self).__name__}"
                ".tools"
            )
        return call_tool(
            self.ctx.tools, tool, args, caller=self.name, granted=self.granted,
            record=self.ctx.record,
        )  # fmt: skip

    @classmethod
    def rebase(cls, task: SwarmTask, result: Mapping[str, Any], current: Any, version: int) -> Any:
        """The value to write instead when the shared state moved on while ``task`` ran.

        Return None (the default) to have the task run again on the newer state; return a
        value to write it at ``version`` (it must include the task's change and what is there
        now). The coordinator calls this after a lost compare-and-set.
        """
        return None


A = TypeVar("A", bound=type[Agent])


class AgentRegistry:
    """Agent classes by name and by the task kinds they handle."""

    def __init__(self) -> None:
        self._by_name: dict[str, type[Agent]] = {}
        self._by_kind: dict[str, type[Agent]] = {}

    def register(self, cls: type[Agent], *, replace: bool = False) -> None:
        if not cls.name:
            cls.name = cls.__name__
        if cls.name in self._by_name and self._by_name[cls.name] is not cls and not replace:
            raise ConfigError(f"two agents are named {cls.name!r}; give one another name")
        self._by_name[cls.name] = cls
        for kind in cls.kinds:
            self._by_kind[kind] = cls

    def for_kind(self, kind: str) -> type[Agent]:
        try:
            return self._by_kind[kind]
        except KeyError:
            known = ", ".join(sorted(self._by_kind)) or "none"
            raise AgentError(
                f"no agent handles task kind {kind!r} (known: {known}); "
                "register one with @agent(kinds=...) in a module passed with --agents"
            ) from None

    def capabilities(self) -> list[str]:
        return sorted({cls.capability for cls in self._by_name.values()})

    def kinds(self) -> list[str]:
        return sorted(self._by_kind)

    def rubrics(self) -> RubricRegistry:
        rubrics = RubricRegistry()
        for kind, cls in self._by_kind.items():
            if cls.rubric is not None:
                rubrics.register(kind, cls.rubric)
        return rubrics

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def names(self) -> list[str]:
        return sorted(self._by_name)


#: Where ``@agent`` registers unless told otherwise.
AGENTS = AgentRegistry()


def agent(
    cls: A | None = None,
    *,
    name: str | None = None,
    capability: str | None = None,
    kinds: Iterable[str] | None = None,
    registry: AgentRegistry | None = None,
) -> Any:
    """Register an ``Agent`` subclass: ``@agent`` or ``@agent(capability="http", kinds=[...])``."""

    def decorate(target: A) -> A:
        if not (isinstance(target, type) and issubclass(target, Agent)):
            raise ConfigError(f"@agent decorates Agent subclasses, not {target!r}")
        if name is not None:
            target.name = name
        elif not target.__dict__.get("name"):
            target.name = target.__name__
        if capability is not None:
            target.capability = capability
        if kinds is not None:
            target.kinds = tuple(kinds)
        (registry or AGENTS).register(target)
        return target

    return decorate(cls) if cls is not None else decorate


def load_modules(names: Iterable[str]) -> None:
    """Import the user's modules of agents, tools and rubrics (they register themselves)."""
    for module in names:
        try:
            importlib.import_module(module)
        except Exception as exc:  # the user's module: any failure is theirs to fix
            raise ConfigError(
                f"cannot import agents module {module!r} ({type(exc).__name__}: {exc}); "
                "run from its folder or add it to PYTHONPATH"
            ) from exc


def tools_registry() -> ToolRegistry:
    """The registry ``@tool`` fills by default."""
    return default_registry()
