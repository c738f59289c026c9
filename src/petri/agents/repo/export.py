"""``petri export RUN --git`` of a repository swarm: one commit per change the run kept.

The branch is made from HEAD in a temporary worktree (``petri.integrations.git``), never in the
user's checkout. Each live promotion (neither reverted nor itself a revert) becomes a commit, in
promotion order, whose message carries the task's title and the judge's evidence.

Two things make a promotion's stored content unfit to commit as it is:

* A change reverted later may still be in it (it was promoted on top of that change): the
  revert took the change out with a three-way merge, and the same merge takes it out here, so
  the branch never shows a change the run undid, and it ends where the run ended.
* HEAD may have moved on since the run (the run read the folder as it was, uncommitted edits
  included): each file HEAD has in another version than the run's snapshot gets the run's
  change merged into HEAD's version, like a rebase; a conflict is refused with the file named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from petri.agents.journal import Promotion, SwarmState
from petri.agents.repo.diffs import merge
from petri.agents.repo.outputs import live_promotions
from petri.agents.repo.workspace import FILE_PREFIX, get_blob, materialize
from petri.errors import ConfigError, IntegrationError
from petri.integrations.git import Commit, ExportResult, export_commits, files_at
from petri.runtime.runs import lookup
from petri.runtime.store import Store
from petri.runtime.store import from_url as store_from_url

SUBJECT_CHARS = 72  # git's convention for the first line of a message
BODY_CHARS = 100

#: The content of a stored value (a promotion's value or before) of a file.
Text = Callable[[Any, str], str]


def export_swarm_git(home: Path, name: str, branch: str | None) -> ExportResult:
    """Commit a swarm run's kept changes on a new branch (``petri/RUN`` by default) of the
    repository it repaired, one commit per promotion, from HEAD."""
    info = lookup(home, name)
    if info.kind != "swarm":
        raise ConfigError(f"run {info.run_id} is an {info.kind} run, not a swarm run")
    store = store_from_url(info.store)
    try:
        state = SwarmState.replay(info.run_id, store.replay(info.run_id))
        if "repo_digest" not in state.config:
            raise ConfigError(f"run {info.run_id} did not work on a repository; nothing to commit")
        if not live_promotions(state):
            raise IntegrationError(f"run {info.run_id} promoted no change; nothing to export")
        text = _reader(store, str(state.config["repo_digest"]))
        planned = [(rel, content, message(state, p)) for p, rel, content in contents(state, text)]
    finally:
        store.close()
    folder = Path(info.problem)
    head, at_head = files_at(folder, sorted({rel for rel, _, _ in planned}))
    commits = [
        Commit({rel: _onto(rel, content, at_head[rel], text(None, rel))}, msg)
        for rel, content, msg in planned
    ]
    return export_commits(folder, commits, branch or f"petri/{info.run_id}", base=head)


def contents(state: SwarmState, text: Text) -> list[tuple[Promotion, str, str]]:
    """(promotion, file, content after it) of each live promotion, in promotion order, with
    the changes reverted later taken out; each file's last commit has its final content."""
    promotions = state.promotions
    undone_at = _reverts(promotions)
    made = []
    for i, promotion in enumerate(promotions):
        live = not promotion.reverted and not promotion.task.startswith("revert:")
        if not live or not promotion.key.startswith(FILE_PREFIX):
            continue
        rel = promotion.key.removeprefix(FILE_PREFIX)
        content = text(promotion.value, rel)
        # Undo, in the order the run did, every earlier change to this file reverted after it.
        for j in sorted(
            (j for j, at in undone_at.items() if j < i < at), key=lambda j: undone_at[j]
        ):
            if promotions[j].key == promotion.key:
                content = _undo(content, promotions[j], rel, text)
        made.append((promotion, rel, content))
    final = {k.removeprefix(FILE_PREFIX): v for k, v in state.values().items()}
    last = {rel: n for n, (_, rel, _) in enumerate(made)}
    # The merges above redo the run's own: this only guards the promise that the branch ends
    # where the run ended.
    return [
        (p, rel, text(final[rel], rel) if last[rel] == n else content)
        for n, (p, rel, content) in enumerate(made)
    ]


def _reverts(promotions: list[Promotion]) -> dict[int, int]:
    """Index of each reverted promotion -> index of the revert that undid it."""
    undone_at: dict[int, int] = {}
    for at, revert in enumerate(promotions):
        if not revert.task.startswith("revert:"):
            continue
        task = revert.task.removeprefix("revert:")
        for j, promotion in enumerate(promotions[:at]):
            same = (promotion.task, promotion.key) == (task, revert.key)
            if same and promotion.reverted and j not in undone_at:
                undone_at[j] = at
                break
    return undone_at


def _undo(content: str, undone: Promotion, rel: str, text: Text) -> str:
    """``content`` without ``undone``'s change, as the run's revert computed it."""
    after, before = text(undone.value, rel), text(undone.before, rel)
    merged = merge(after, content, before)
    return before if merged is None else merged


def _onto(rel: str, content: str, head: str | None, original: str) -> str:
    """The run's ``content`` of ``rel`` on top of HEAD's version of the file."""
    if head is None or head == original:  # HEAD lacks the file, or has it as the run saw it
        return content
    merged = merge(original, head, content)
    if merged is None:
        raise IntegrationError(
            f"{rel} changed since the run and its change no longer merges there;"
            " check out the commit the run started from and export again"
        )
    return merged


def _reader(store: Store, digest: str) -> Text:
    """Content of a stored value: its blob, or the original file (None, the run's ``before``
    of a file it had not changed yet)."""
    original = materialize(store, digest, {})

    def text(value: Any, rel: str) -> str:
        if isinstance(value, Mapping) and value.get("blob"):
            return get_blob(store, str(value["blob"]))
        path = original / rel
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    return text


def message(state: SwarmState, promotion: Promotion) -> str:
    """The commit message: the task's title, then the judge's score and evidence."""
    qid = f"{promotion.task}@{promotion.version}"
    task = state.tasks.get(promotion.task)
    title = " ".join((task.title if task is not None and task.title else promotion.task).split())
    lines = [_clip(f"petri swarm: {title}", SUBJECT_CHARS), ""]
    verdict = state.verdicts.get(qid)
    if verdict is None:
        lines.append("No verdict of the judge was recorded.")
    else:
        lines.append(f"Judge score {float(verdict.get('score', 0.0)):.2f}:")
        for check in verdict.get("checks", []):
            line = f"- {check.get('name')} {float(check.get('score', 0.0)):.2f}: "
            lines.append(_clip(line + _evidence(check.get("evidence")), BODY_CHARS))
    lines += ["", f"Run: {state.run_id}, task {qid}"]
    return "\n".join(lines) + "\n"


def _evidence(evidence: Any) -> str:
    """``fixed test_a +3 more; regressions none``: what a check looked at, in one line."""
    if not isinstance(evidence, Mapping):
        return str(evidence)
    parts = []
    for key, value in evidence.items():
        shown = value
        if isinstance(value, list):
            shown = str(value[0]) if value else "none"
            shown += f" +{len(value) - 1} more" if len(value) > 1 else ""
        parts.append(f"{str(key).replace('_', ' ')} {shown}")
    return "; ".join(parts)


def _clip(line: str, limit: int) -> str:
    return line if len(line) <= limit else line[: limit - 3] + "..."
