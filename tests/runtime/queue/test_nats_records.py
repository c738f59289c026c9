"""The NATS queue's record encoding: byte rewrites agree with encoding the record anew."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from petri.runtime.queue import Task, TaskStatus
from petri.runtime.queue import nats_records as nr

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
# A payload may even hold the very fields a lease rewrites; only the task's own must change.
_DECOY = {"status": "pending", "attempts": 0, "owner": None, "lease_expires": None, "token": None}


def _leased(task: Task, attempts: int, owner: str, until: float, token: str) -> Task:
    task.status, task.attempts, task.owner = TaskStatus.LEASED, attempts, owner
    task.lease_expires, task.leased_at, task.token = until, until - 30.0, token
    return task


@settings(deadline=None)  # a busy machine must not fail a property
@given(
    payload=_JSON,
    kind=st.text(min_size=1),
    lease=st.tuples(
        st.integers(0, 1000),
        st.text(),
        st.floats(allow_nan=False, allow_infinity=False) | st.integers(0, 2**40),
        st.text(),
    ),
)
def test_relet_matches_encoding_the_leased_record(
    payload: Any, kind: str, lease: tuple[int, str, float, str]
) -> None:
    attempts, owner, until, token = lease
    task = Task(kind, {"data": payload, "decoy": _DECOY, "text": nr.encode({"t": _DECOY}).decode()})
    task.id, task.attempts = "id-1", attempts
    rec = nr.new_record(task)
    body = nr.encode(rec)
    before = json.loads(body)["task"]
    after = nr.task_fields(_leased(task, attempts + 1, owner, until, token))
    rewritten = nr.relet(body, before, after)
    assert rewritten is not None
    assert json.loads(rewritten[0]) == json.loads(nr.encode({**rec, "task": after}))
    assert rewritten[1] == nr.lease_block(after) and rewritten[1] in rewritten[0]


def test_done_rewrite_keeps_payload_and_token() -> None:
    task = _leased(Task("k", {"nested": _DECOY}, id="x"), 2, "me", 12.5, "$JS.ACK.a")
    body = nr.encode(nr.new_record(task))
    done = {"status": "done", "attempts": 2, "owner": None, "lease_expires": None}
    assert nr.done_block(2) == nr.lease_block(done)
    rewritten = nr.swap(body, nr.lease_block(vars(task)), nr.done_block(2))
    assert rewritten is not None
    stored = json.loads(rewritten)["task"]
    assert {k: stored[k] for k in done} == done
    assert (stored["payload"], stored["token"]) == ({"nested": _DECOY}, "$JS.ACK.a")


def test_a_body_encoded_otherwise_is_not_rewritten() -> None:
    rec = nr.new_record(Task("k", id="x"))
    spaced = json.dumps(rec).encode()  # default separators: the blocks do not match
    block = nr.lease_block(rec["task"])
    assert nr.swap(spaced, block, b"") is None
    assert nr.relet(spaced, rec["task"], rec["task"]) is None


def test_a_record_from_before_leased_at_is_encoded_anew() -> None:
    rec = nr.new_record(Task("k", id="x"))
    del rec["task"]["leased_at"]  # as a record written by an older petri
    body = nr.encode(rec)
    after = nr.task_fields(_leased(Task("k", id="x"), 1, "me", 9.0, "t"))
    assert nr.relet(body, rec["task"], after) is None  # the caller then encodes the record
    assert nr.to_task(json.loads(body)["task"]).leased_at is None


def test_note_carries_the_record_bytes_and_revision() -> None:
    body = nr.encode(nr.new_record(Task("k", {"a": [1, 2]}, id="x")))
    note = nr.note(body, 42)
    assert nr.note_body(note) == body
    assert json.loads(note) == {"rev": 42, "rec": json.loads(body)}


def test_task_fields_round_trip() -> None:
    task = Task("k", {"a": 1}, id="x", depends_on=("a", "b"), deadline=3.0, key="kk")
    task.status = TaskStatus.FAILED
    again = nr.to_task(json.loads(nr.encode({"t": nr.task_fields(task)}))["t"])
    assert again == task


def test_lanes_rank_highest_priority_first_then_kind() -> None:
    subjects = [
        "petri.q.n." + nr.lane({"priority": prio, "kind": kind})
        for prio, kind in [(0, "b"), (-3, "a"), (7, "b"), (0, "a"), (7, "a")]
    ]
    ranked = sorted(subjects, key=nr.lane_rank)
    kinds = [(s.rsplit(".", 2)[-2], bytes.fromhex(s.rsplit(".", 1)[-1]).decode()) for s in ranked]
    assert kinds == [
        ("p000007", "a"),
        ("p000007", "b"),
        ("p000000", "a"),
        ("p000000", "b"),
        ("m000003", "a"),
    ]


def test_changes_decline_what_they_must_not_touch() -> None:
    rec = nr.new_record(Task("k", id="x"))
    rec["task"]["status"] = "done"
    assert nr.kill("why", None)(rec) is False
    assert nr.revive(5.0)(rec) is False
    rec["task"]["status"] = "dead"
    rec["dependents"], rec["task"]["depends_on"] = ["y"], ["z"]
    assert nr.revive(5.0)(rec) is True
    assert (rec["gen"], rec["waiting"], rec["task"]["status"]) == (1, ["z"], "pending")
    holder = _leased(Task("k", id="x"), 1, "me", 9.0, "t")
    rec["task"].update(status="leased", owner="me", attempts=2)
    assert nr.holding(holder, lambda t: t.update(error="e"))(rec) is False  # other attempt
    rec["task"]["attempts"] = 1
    assert nr.holding(holder, lambda t: t.update(error="e"))(rec) is True
    assert rec["task"]["error"] == "e"
