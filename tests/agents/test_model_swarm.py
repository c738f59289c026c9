"""The swarm with a model, against a loopback server that speaks the OpenAI wire protocol: a
natural-language goal planned by the model (a garbage answer asked again), a repository repair
whose edits come from the model's search/replace blocks judged in the sandbox, the model's
opinion as one rubric item, a token budget that stops the run cleanly and a resume with a new
budget; the key never reaches an event, a summary or the output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_servers import Behaviour, OpenAIServer, Recorded, Reply, answer
from petri.runtime.store import from_url

HERE = Path(__file__).resolve().parent
KEY = "sk-test-swarm-5b2e91f0c3"


class ContentServer(OpenAIServer):
    """Answers by what the request asks, not by a fixed script: the swarm's calls interleave."""

    def __init__(self, respond: Callable[[str], Behaviour]) -> None:
        super().__init__()
        self.respond = respond

    def handle(self, request: Recorded) -> Reply:
        if request.path == self.path:
            text = "\n".join(str(m.get("content", "")) for m in request.json.get("messages", []))
            self.push(self.respond(text))
        return super().handle(request)


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[str], Behaviour]], ContentServer]]:
    servers: list[ContentServer] = []

    def start(respond: Callable[[str], Behaviour]) -> ContentServer:
        server = ContentServer(respond)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def petri(home: Path, server: ContentServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.upper().startswith(("OPENAI", "HTTP"))},
        "PETRI_HOME": str(home),
        "PYTHONPATH": str(HERE),
        "PETRI_LLM__BASE_URL": server.url,
        "PETRI_LLM__API_KEY_ENV": "SWARM_TEST_KEY",
        "PETRI_LLM__MAX_RETRIES": "1",
        "PETRI_LLM__BACKOFF_S": "0.05",
        "SWARM_TEST_KEY": KEY,
        "NO_PROXY": "127.0.0.1",
    }
    return subprocess.run(
        [sys.executable, "-m", "petri", *args, "--backend", "openai", "--model", "test-model"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def stored(db: Path, run_id: str) -> list[Any]:
    return list(from_url(f"sqlite:///{db}").replay(run_id))


PLAN = {
    "tasks": [
        {"id": "one", "kind": "toy.add", "payload": {"n": 2, "touches": ["total"]}},
        {"id": "two", "kind": "toy.add", "payload": {"n": 3, "touches": ["total"]},
         "depends_on": ["one"]},
    ]
}  # fmt: skip


def test_a_natural_language_goal_is_planned_by_the_model(
    tmp_path: Path, serve: Callable[[Callable[[str], Behaviour]], ContentServer]
) -> None:
    asked: list[str] = []

    def respond(text: str) -> Behaviour:
        asked.append(text)
        return answer("Sure! First add two." if len(asked) == 1 else json.dumps(PLAN))

    server = serve(respond)
    goal = tmp_path / "goal" / "GOAL.toml"
    goal.parent.mkdir()
    goal.write_text('name = "add five"\ndescription = "Add 2, then 3, to the total."\n')
    done = petri(tmp_path / "home", server, "swarm", str(goal), "--agents", "swarm_toys",
                 "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "completed" and summary["state"]["total"]["value"] == 5
    assert len(asked) == 2 and "That answer was invalid" in asked[1]  # garbage, asked again
    events = stored(goal.parent / ".petri" / "petri.db", summary["run_id"])
    usage = [e.payload for e in events if e.type == "model_usage"]
    assert len(usage) == 2 and usage[-1]["total_tokens"] == 36
    assert summary["usage"]["tokens"] == 36
    everything = done.stdout + done.stderr + json.dumps([e.payload for e in events])
    assert KEY not in everything
    assert all(KEY in r.headers.get("authorization", "") for r in server.requests)


FIXES = {
    "int(units) * 100 - int(": ("    return int(units) * 100 - int(cents.ljust(2, \"0\"))",
                                "    return int(units) * 100 + int(cents.ljust(2, \"0\"))"),
    "cents - cents * percent": ("    return cents - cents * percent // 100",
                                "    return cents + cents * percent // 100"),
    "self.subtotal() + self.discount": (
        "        return with_tax(self.subtotal() + self.discount, self.tax_percent)",
        "        return with_tax(self.subtotal() - self.discount, self.tax_percent)"),
}  # fmt: skip


def coder(text: str) -> Behaviour:
    """The model's side of a repair: a search/replace block for the bug in the file shown (the
    first one it sees), a rating for a diff, garbage for anything else."""
    if "Rate how likely" in text:
        return answer(json.dumps({"score": 0.9, "reason": "one operator, as the tests ask"}))
    for marker, (old, new) in FIXES.items():
        if marker in text and "Failing tests" in text:
            return answer(f"<<<<<<< SEARCH\n{old}\n=======\n{new}\n>>>>>>> REPLACE\n")
    return answer("no idea")


@pytest.mark.slow
def test_a_repair_from_the_models_edits_stops_at_its_budget_and_resumes(
    tmp_path: Path, shop: Path, serve: Callable[[Callable[[str], Behaviour]], ContentServer]
) -> None:
    server = serve(coder)
    home = tmp_path / "home"
    first = petri(home, server, "swarm", "repair", str(shop), "--workers", "1", "--task-evals",
                  "200", "--max-tokens", "40", "--json")  # fmt: skip
    assert first.returncode == 0, first.stderr
    stopped = json.loads(first.stdout)
    assert stopped["status"] == "stopped" and "token budget" in stopped["stopped"]
    resumed = subprocess.run(  # the same environment, a larger budget
        [sys.executable, "-m", "petri", "resume", stopped["run_id"], "--max-tokens", "100000",
         "--json"],
        env={**os.environ, "PETRI_HOME": str(home), "SWARM_TEST_KEY": KEY,
             "NO_PROXY": "127.0.0.1"},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(resumed.stdout)
    assert final["status"] == "repaired"
    events = stored(shop / ".petri" / "petri.db", final["run_id"])
    done = [e.payload for e in events if e.type == "task_done"]
    results = [d["result"] for d in done if d["kind"] == "swarm:evolve" and "change" in d["result"]]
    assert any(r["model_proposals"] >= 1 and r["evaluations"] == 0 for r in results)
    verdicts = [e.payload["verdict"] for e in events if e.type == "task_judged"]
    opinions = [c for v in verdicts for c in v["checks"] if c["name"] == "model_opinion"]
    assert opinions and opinions[0]["weight"] == 0.1  # one item of the rubric, not the score
    assert any(e.type == "swarm_stopped" for e in events)
    assert KEY not in json.dumps([e.payload for e in events]) + resumed.stdout + first.stdout
