"""The coordinator of a swarm run: releases tasks, judges results, routes and promotes them.

It runs one loop over the run's events. Workers (local or remote) lease the released tasks by
capability and write ``task_done`` with the result; the coordinator judges each result with
the rubric of its kind and routes it: promote (a compare-and-set write of the shared state, with
its events in the same transaction), wait for a person, or reject and ask the planner.

Determinism: results are settled in plan order among tasks that write the same state (a later
task's result waits for an earlier one's), and each task's search is seeded from the run, so
the same goal and seed give the same final state for any number of workers. Durability: every
decision is an event; a resumed coordinator replays them and continues where it stopped, and
each runtime task id doubles as its idempotency key, so nothing runs or is counted twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from petri.agents import journal
from petri.agents.journal import SwarmState
from petri.agents.models import ACTIVE, SwarmTask, TaskSpec, TaskState, Verdict
from petri.agents.planning import GiveUp, Planner, Replan, WorldModel
from petri.agents.promote import Promoter
from petri.agents.rubric import RubricRegistry
from petri.agents.world import Checker
from petri.config import SwarmSettings
from petri.runtime.queue import Queue, Task
from petri.runtime.queue import TaskStatus as RuntimeStatus
from petri.runtime.store import NewEvent, Store

log = logging.getLogger("petri.agents.coordinator")

#: Seconds between looks at the store when nothing happened.
POLL_S = 0.005
#: Seconds of quiet after which the coordinator asks the queue about tasks it waits for.
LOST_CHECK_S = 2.0


@dataclass(frozen=True)
class Progress:
    """What a progress display shows after each step."""

    counts: dict[str, int]
    promoted: int
    waiting: int


class Coordinator:
    """Drives one swarm run from its events to its end (or to a wait for a person)."""

    def __init__(
        self,
        run_id: str,
        store: Store,
        queue: Queue,
        planner: Planner,
        *,
        rubrics: RubricRegistry,
        settings: SwarmSettings,
        payload: Mapping[str, Any],
        world: WorldModel | None = None,
        promoter: Promoter | None = None,
        prepare: Callable[[SwarmTask, SwarmState], dict[str, Any]] = lambda task, state: {},
        tick: Callable[[], object] = lambda: None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        progress: Callable[[Progress], None] = lambda _: None,
        stop_when: Callable[[SwarmState], str | None] = lambda _: None,
    ) -> None:
        self.run_id = run_id
        self.store = store
        self.queue = queue
        self.planner = planner
        self.rubrics = rubrics
        self.settings = settings
        self.payload = dict(payload)  # what every runtime task carries besides the task
        self.world = world
        self.promoter = promoter or Promoter(store, run_id, lambda kind: None)
        self.checker = Checker(self, world) if world is not None else None
        self.prepare = prepare
        self.tick = tick
        self.clock = clock
        self.sleep = sleep
        self.progress = progress
        self.stop_when = stop_when
        self.state = SwarmState(run_id)

    # -- the loop --------------------------------------------------------------------------------

    def run(self, config: Mapping[str, Any]) -> SwarmState:
        """Start the run (or continue it from its events) and drive it as far as it can go:
        finished, stopped (budget), or waiting for a person's review."""
        self.state = SwarmState.replay(self.run_id, self.store.replay(self.run_id))
        if self.state.finished is not None:
            return self.state
        if not self.state.config:
            self.append([NewEvent(self.run_id, journal.SWARM_STARTED, dict(config))])
        if not self.state.tasks:  # also a run killed between its start and its plan
            self.plan(self.planner.plan(self.state), reason="goal")
        last = None
        while True:
            self.tail()
            reason = self.stop_when(self.state)
            if reason is not None and self.state.stopped is None:
                self.append([NewEvent(self.run_id, journal.SWARM_STOPPED, {"reason": reason})])
            if self.state.stopped is not None:
                return self.state
            if self.step():
                last = None
                continue
            if self._finish_or_wait():
                return self.state
            if last is None:
                self._report()
                last = self.clock()
            elif self.clock() - last > LOST_CHECK_S:
                last = self.clock()
                if self._recover_lost():
                    continue
            self.tick()
            self.sleep(POLL_S)

    def step(self) -> bool:
        """One pass over everything that can move; True if anything did."""
        moved = False
        if self.checker is not None:
            moved |= self.checker.step()
        moved |= self._settle_reviews()
        moved |= self._settle_dead()
        moved |= self._settle_results()
        moved |= self._follow_up()
        moved |= self._cancel_blocked()
        moved |= self._release()
        if moved:
            self._report()
        return moved

    def tail(self) -> None:
        """Fold the events written since the last look (workers', reviewers')."""
        while True:
            batch = self.store.read(self.run_id, self.state.last_seq, 1000)
            for event in batch:
                self.state.apply(event)
            if len(batch) < 1000:
                return

    def append(self, events: Sequence[NewEvent]) -> None:
        """Append ``events`` and fold them in order with whatever workers wrote before them
        (folding only ours would skip theirs: the state reads on from the highest sequence)."""
        self.store.append_many(events)
        self.tail()

    def _finish_or_wait(self) -> bool:
        busy = any(t.status in ACTIVE for t in self.state.tasks.values())
        if busy or (self.checker is not None and self.checker.busy()):
            return False
        if self.checker is not None and self.checker.request_final():
            return False
        if any(t.status is TaskState.REVIEW for t in self.state.tasks.values()):
            return True  # only a person can move the run on: `petri review` resumes it
        if self.plan(self.planner.idle(self.state), reason="idle"):
            return False
        status = self.planner.outcome(self.state)
        summary = {"status": status, "tasks": self.state.counts()}
        self.append([NewEvent(self.run_id, journal.SWARM_FINISHED, summary)])
        return True

    def _report(self) -> None:
        counts = self.state.counts()
        live = sum(not p.reverted and not p.task.startswith("revert:") for p in
                   self.state.promotions)  # fmt: skip
        self.progress(Progress(counts, live, counts["review"]))

    # -- planning and release ------------------------------------------------------------------

    def plan(self, specs: Sequence[TaskSpec], *, reason: str) -> int:
        """Record new tasks; ids already planned are ignored (a replayed answer). Returns how
        many tasks were new."""
        events = []
        known = set(self.state.tasks)
        order = len(self.state.tasks)
        for spec in specs:
            if spec.id in known:
                continue
            known.add(spec.id)
            order += 1
            task = SwarmTask(**spec.model_dump(), order=order)
            payload: dict[str, Any] = {"task": task.model_dump(mode="json"), "reason": reason}
            events.append(NewEvent(self.run_id, journal.TASK_PLANNED, payload))
        if events:
            self.append(events)
        return len(events)

    def _release(self) -> bool:
        ready = [
            t
            for t in sorted(self.state.tasks.values(), key=lambda t: t.order)
            if t.status is TaskState.PLANNED and self.state.satisfied(t)
        ]
        if not ready:
            return False
        now = self.clock()
        self.queue.enqueue_many([self.runtime_task(t, now) for t in ready])
        events = [
            NewEvent(self.run_id, journal.TASK_RELEASED, {"task": t.id, "version": t.version})
            for t in ready
        ]
        self.append(events)
        return True

    def runtime_task(self, task: SwarmTask, now: float) -> Task:
        """The runtime queue's copy of one version of ``task``."""
        rid = f"{self.run_id}/{task.queue_id}"
        s = self.settings
        carried = task.model_dump(mode="json")
        carried["payload"] = {**carried["payload"], **self.prepare(task, self.state)}
        return Task(
            kind=task.runtime_kind,
            payload={**self.payload, "run_id": self.run_id, "task": carried},
            id=rid,
            key=rid,
            priority=task.priority,
            max_attempts=s.retries + 1,
            backoff_base=s.retry_base_s,
            backoff_cap=s.retry_cap_s,
            backoff_jitter=s.retry_jitter,
            deadline=None if task.deadline_s is None else now + task.deadline_s,
        )

    def _cancel_blocked(self) -> bool:
        events = []
        for task in self.state.tasks.values():
            if task.status is TaskState.PLANNED:
                dep = self.state.blocked_forever(task)
                if dep is not None:
                    reason = f"dependency {dep} is {self.state.tasks[dep].status.value}"
                    events.append(self._event(journal.TASK_CANCELLED, task, reason=reason))
        if events:
            self.append(events)
        return bool(events)

    # -- results --------------------------------------------------------------------------------

    def _settle_results(self) -> bool:
        moved = False
        for task in self._ready_results():
            result = self.state.results[task.queue_id]
            checking = self.checker is not None and task.kind in self.checker.kinds
            if self.checker is not None and self.checker.busy() and not checking:
                continue  # a consistency check pauses promotions until it is answered
            if checking:
                assert self.checker is not None
                self.checker.collect(task, result)
            elif result.get("budget_exhausted"):
                self._stop_for_budget(task, result)
            else:
                self._judge(task, result)
            moved = True
        return moved

    def _ready_results(self) -> list[SwarmTask]:
        """Tasks with a result to settle, in plan order; a task waits for earlier tasks that
        write the same state (so promotions happen in the same order for any worker count)."""
        waiting: set[str] = set()
        ready = []
        for task in sorted(self.state.tasks.values(), key=lambda t: t.order):
            touches = set(task.payload.get("touches", []))
            has_result = task.status is TaskState.RUNNING or task.status is TaskState.QUEUED
            if has_result and task.queue_id in self.state.results and not touches & waiting:
                ready.append(task)
            elif task.status in ACTIVE or task.status is TaskState.REVIEW:
                waiting |= touches
        return ready

    def _judge(self, task: SwarmTask, result: Mapping[str, Any]) -> None:
        rubric = self.rubrics.for_kind(task.kind)
        s = self.settings
        verdict = rubric.judge(task, result, approve_at=s.approve_at, review_at=s.review_at)
        judged = self._event(journal.TASK_JUDGED, task, verdict=verdict.model_dump(mode="json"))
        if verdict.route == "approve":
            self.approve(task, result, [judged])
        elif verdict.route == "review":
            self.append([judged, self._review_request(task, result, verdict)])
        else:
            reason = f"the judge scored {verdict.score:.2f} (< {s.review_at:g})"
            rejected = self._event(journal.TASK_REJECTED, task, by="judge", reason=reason)
            self.append([judged, rejected])
            self.decide(task, reason, {"verdict": verdict.model_dump(mode="json")})

    def approve(self, task: SwarmTask, result: Mapping[str, Any], events: list[NewEvent]) -> None:
        """Promote an approved result (or accept it when it asks for no change)."""
        change = result.get("change")
        if not isinstance(change, Mapping):
            self.append([*events, self._event(journal.TASK_ACCEPTED, task)])
            return
        if not self.promoter.promote(task, result, change, events):
            log.info("task %s lost a race on %s; it runs again on the newer state", task.id,
                     change.get("key"))  # fmt: skip
        self.tail()  # the events went in with the write: read them back in order

    def _review_request(
        self, task: SwarmTask, result: Mapping[str, Any], verdict: Verdict
    ) -> NewEvent:
        review = f"{task.id}@{task.version}"
        return self._event(
            journal.REVIEW_REQUESTED,
            task,
            review=review,
            score=verdict.score,
            checks=[c.model_dump(mode="json") for c in verdict.checks],
            diff=str(result.get("diff", ""))[:200_000],
            title=task.title or task.kind,
        )

    def _stop_for_budget(self, task: SwarmTask, result: Mapping[str, Any]) -> None:
        reason = str(result.get("message", "the model budget is spent"))
        payload = {**task.payload}
        self.append(
            [
                NewEvent(
                    self.run_id,
                    journal.TASK_REPLANNED,
                    {
                        "task": task.id,
                        "new_version": task.version + 1,
                        "payload": payload,
                        "strategy": task.strategy,
                        "reason": "budget",
                    },
                ),
                NewEvent(self.run_id, journal.SWARM_STOPPED, {"reason": reason}),
            ]
        )

    # -- reviews, failures and the planner --------------------------------------------------

    def _settle_reviews(self) -> bool:
        moved = False
        for review, request in list(self.state.reviews.items()):
            decision = self.state.decisions.get(review)
            task = self.state.tasks.get(str(request["task"]))
            if decision is None or task is None or task.status is not TaskState.REVIEW:
                continue
            if int(request["version"]) != task.version:
                continue
            moved = True
            if decision.get("decision") == "approve":
                self.approve(task, self.state.results.get(task.queue_id, {}), [])
            else:
                note = str(decision.get("note") or "no note")
                reason = f"rejected by {decision.get('who', 'a reviewer')}: {note}"
                self.append([self._event(journal.TASK_REJECTED, task, by="person",
                                         reason=reason)])  # fmt: skip
                self.decide(task, reason, {"review": dict(decision)})
        return moved

    def _settle_dead(self) -> bool:
        moved = False
        for queue_id, dead in list(self.state.dead.items()):
            task = self.state.task_of(queue_id)
            if task is None or task.status not in (TaskState.QUEUED, TaskState.RUNNING):
                continue
            if queue_id in self.state.results:
                continue  # it finished after all (a late duplicate): the result wins
            stored = self.queue.get(f"{self.run_id}/{queue_id}")
            error = str(dead.get("error") or (stored.error if stored else "") or "unknown error")
            context = {
                "attempts": stored.attempts if stored else dead.get("attempt"),
                "traceback": (stored.traceback or "")[-20_000:] if stored else "",
                "payload": task.payload,
                "capability": task.capability,
            }
            self.append([self._event(journal.TASK_FAILED, task, error=error, context=context)])
            self.decide(task, f"failed: {error}", context)
            moved = True
        return moved

    def decide(self, task: SwarmTask, reason: str, evidence: Mapping[str, Any]) -> None:
        """Tell the planner about a rejected, reverted or failed task; record its answer."""
        decision = self.planner.decide(task, reason, evidence, self.state)
        if isinstance(decision, Replan):
            replanned = {"task": task.id, "new_version": task.version + 1,
                         "payload": decision.payload, "strategy": task.strategy + 1,
                         "reason": decision.reason}  # fmt: skip
            if decision.title is not None:
                replanned["title"] = decision.title
            self.append([NewEvent(self.run_id, journal.TASK_REPLANNED, replanned)])
        elif isinstance(decision, GiveUp):
            payload = {"task": task.id, "version": task.version, "reason": decision.reason}
            self.append([NewEvent(self.run_id, journal.PLANNER_GAVE_UP, payload)])

    def _follow_up(self) -> bool:
        moved = False
        for task in sorted(self.state.tasks.values(), key=lambda t: t.order):
            settled = task.status in (TaskState.PROMOTED, TaskState.DONE)
            if not settled or task.queue_id in self.state.followed:
                continue
            result = self.state.results.get(task.queue_id, {})
            specs = self.planner.followup(task, result, self.state)
            self.plan(specs, reason=f"after {task.id}")
            marker = {"trigger": task.queue_id, "tasks": [s.id for s in specs]}
            self.append([NewEvent(self.run_id, journal.FOLLOWED_UP, marker)])
            moved = True
        return moved

    def _recover_lost(self) -> bool:
        """Tasks the queue has done but whose result never reached the run's events (a worker
        that acked and could not record) run again as their next version: at-least-once."""
        events = []
        for task in self.state.tasks.values():
            if task.status not in (TaskState.QUEUED, TaskState.RUNNING):
                continue
            stored = self.queue.get(f"{self.run_id}/{task.queue_id}")
            if stored is None or stored.status is not RuntimeStatus.DONE:
                continue
            self.tail()
            if task.queue_id in self.state.results:
                continue
            payload = {"task": task.id, "new_version": task.version + 1,
                       "payload": task.payload, "strategy": task.strategy,
                       "reason": "its result never reached the run's events"}  # fmt: skip
            events.append(NewEvent(self.run_id, journal.TASK_REBASED, payload))
        if events:
            log.warning("%d task(s) lost their result; running them again", len(events))
            self.append(events)
        return bool(events)

    def _event(self, etype: str, task: SwarmTask, **extra: Any) -> NewEvent:
        return NewEvent(self.run_id, etype, {"task": task.id, "version": task.version, **extra})
