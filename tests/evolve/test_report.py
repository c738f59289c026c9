"""The HTML report of a run, rendered from the events runs wrote: a real ``petri evolve`` in
the sandbox, and the engine with an in-process judge for the other cases (hostile text, a run
cut short). Self-contained, escaped, readable whether finished or not."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from judge_double import BUGGY, FakeEvaluator, started
from typer.testing import CliRunner

from petri.cli import app
from petri.config import EvolveSettings
from petri.errors import ConfigError
from petri.evolve import journal
from petri.evolve.breed import Candidate
from petri.evolve.engine import Engine
from petri.evolve.events import PROMOTED, Baseline, Promoted, Record
from petri.evolve.journal import RunState
from petri.evolve.objectives import Objective
from petri.evolve.report import render_report
from petri.runtime.store import Event
from petri.runtime.store.memory import MemoryStore
from petri.sandbox.outcome import Status

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RUN = "r20261121-0a1b2c"
HOSTILE = "</pre><script>alert(1)</script>"


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def tags_of(html: str) -> list[str]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def render(tmp_path: Path, state: RunState) -> str:
    out = render_report(state, tmp_path / "out" / "report.html")
    assert out == tmp_path / "out" / "report.html"
    return out.read_text(encoding="utf-8")


def section(html: str, title: str) -> str:
    return html.split(f"<h2>{title}</h2>", 1)[1].split("<h2>", 1)[0]


def header(html: str) -> str:
    return html.split("<h2>", 1)[0]


# -- a real run: petri evolve on examples/fizzbuzz, in the sandbox, then petri report ----------


@pytest.fixture(scope="module")
def repaired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], str]]:
    """(summary of ``petri evolve --json``, the page ``petri report`` wrote) of one real run."""
    tmp = tmp_path_factory.mktemp("fizzbuzz-run")
    problem = tmp / "fizzbuzz"
    shutil.copytree(EXAMPLES / "fizzbuzz", problem, ignore=shutil.ignore_patterns(".petri"))
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith("PETRI_")]:
            env.delenv(name)
        env.setenv("PETRI_HOME", str(tmp / "home"))
        # fizzbuzz's bug is a statement in the wrong place: the classic statement edits repair
        # it in a short run, whatever operators the default search gains
        args = ["--seed", "7", "--max-evals", "200", "--workers", "1", "--json"]
        args += ["--operators", "statements"]
        evolved = CliRunner().invoke(app, ["evolve", str(problem), *args])
        assert evolved.exit_code == 0, evolved.stderr
        summary = json.loads(evolved.stdout)
        reported = CliRunner().invoke(app, ["report", summary["run_id"]])
        assert reported.exit_code == 0, reported.stderr
    page = Path(reported.stdout.strip())
    assert page == Path(summary["out"]) / "report.html"
    yield summary, page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_repaired_run_shows_its_patch_and_promoted_program(
    repaired: tuple[dict[str, Any], str],
) -> None:
    summary, html = repaired
    assert summary["status"] == "repaired"
    for expected in (summary["run_id"], "fizz.py", ">repaired<", f">{summary['evaluations']}<"):
        assert expected in header(html)
    patch = section(html, "Patch")
    assert "No program" not in patch and "<span class='add'>" in patch
    assert "<span class='meta'>--- a/fizz.py</span>" in patch
    for line in summary["patch"].splitlines():
        assert escape(line) in patch
    best = Path(summary["best"]["path"]).read_text(encoding="utf-8")
    assert f"<h2>Best program</h2><pre>{escape(best)}</pre>" in html


@pytest.mark.slow
def test_a_real_run_shows_its_objectives_front_and_lineage(
    repaired: tuple[dict[str, Any], str],
) -> None:
    summary, html = repaired
    assert section(html, "Best objectives per generation").count("<svg") == 2
    front = section(html, "Pareto front")
    assert front.count("<svg") == 1
    assert "<th>tests_passed ↑</th><th>patch_size ↓</th>" in front
    lineage = section(html, "Lineage of the best program")
    best = summary["best"]
    assert lineage.index(f"<code>{best['id']}</code>") < lineage.index(" original ")
    assert f"tests_passed={best['objectives']['tests_passed']:g}" in lineage


@pytest.mark.slow
def test_the_report_is_self_contained(repaired: tuple[dict[str, Any], str]) -> None:
    _, html = repaired
    tags = tags_of(html)
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert "<script" not in html.lower() and "<link" not in html.lower()
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


# -- the engine with an in-process judge ---------------------------------------------------------


def engine_events(
    source: str = BUGGY, objectives: list[str] | None = None, **fields: Any
) -> list[Event]:
    """Every event an engine run of ``source`` wrote (repaired within its budget)."""
    store = MemoryStore()
    settings = EvolveSettings(seed=1, max_evals=400, objectives=objectives or [])
    state = Engine(RUN, store, FakeEvaluator(), settings).run(started(source, **fields))
    assert state.promoted is not None and state.promoted.status == "repaired"
    return list(store.replay(RUN))


def test_text_from_the_problem_and_its_program_cannot_inject_markup(tmp_path: Path) -> None:
    source = BUGGY.replace("# the bug: keeps the smallest", f"# {HOSTILE}")
    events = engine_events(source, problem="/p/<b>evil</b>", program="<i>largest</i>.py")
    html = render(tmp_path, RunState.replay(RUN, events))
    assert {"script", "b", "i"}.isdisjoint(tags_of(html))
    hostile = escape(HOSTILE)
    assert hostile in section(html, "Patch") and hostile in section(html, "Best program")
    assert "&lt;b&gt;evil&lt;/b&gt;" in header(html)
    assert "&lt;i&gt;largest&lt;/i&gt;.py" in header(html)


def test_a_run_cut_short_shows_its_best_so_far(tmp_path: Path) -> None:
    events = engine_events()
    cut = next(i for i, e in enumerate(events) if e.type == PROMOTED)
    state = RunState.replay(RUN, events[:cut])
    html = render(tmp_path, state)
    assert "not finished (running or interrupted)" in header(html)
    assert f">{state.evaluations}<" in header(html)
    assert "<svg" in section(html, "Best objectives per generation")
    patch = section(html, "Patch")
    assert "Nothing is promoted yet" in patch and "<span class='add'>" in patch
    assert state.best is not None and f"<code>{state.best}</code>" in html


def test_a_run_that_just_started_renders_placeholders(tmp_path: Path) -> None:
    html = render(tmp_path, RunState.replay(RUN, engine_events()[:1]))
    assert "<svg" not in html
    assert "No generation has finished yet." in html and "No Pareto front yet." in html
    assert section(html, "Patch").startswith("<p>No program yet.</p>")
    assert "<h2>Best program</h2>" not in html


def test_one_objective_gives_a_table_and_no_scatter(tmp_path: Path) -> None:
    state = RunState.replay(RUN, engine_events(objectives=["tests_passed"]))
    front = section(render(tmp_path, state), "Pareto front")
    assert "<svg" not in front and "<th>tests_passed ↑</th></tr>" in front


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    state = RunState.replay(RUN, engine_events())
    first = render_report(state, tmp_path / "a.html").read_bytes()
    assert render_report(state, tmp_path / "b.html").read_bytes() == first


def test_missing_matplotlib_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ConfigError, match=r"pip install 'petridish\[report\]'"):
        render_report(RunState(RUN), tmp_path / "report.html")
    assert not (tmp_path / "report.html").exists()


# -- lineage: a crossover of relatives, recorded through the journal -------------------------------


def test_a_crossover_nests_each_parent_and_shows_a_shared_ancestor_once(tmp_path: Path) -> None:
    """kid = crossover(best, other); best <- child <- orig and other <- orig."""
    orig, child, best, other, kid = (str(i) * 16 for i in range(5))
    born = [
        Candidate(orig, (), (), "original", 0, BUGGY),
        Candidate(child, (), (orig,), "mutate", 1, BUGGY),
        Candidate(best, (), (child,), "mutate", 2, BUGGY),
        Candidate(other, (), (orig,), "mutate", 2, BUGGY),
        Candidate(kid, (), (best, other), "crossover", 3, BUGGY),
    ]
    records = [
        Record(c.id, Status.OK, {"tests_passed": 5.0}, 5, 0, 0.1, n) for n, c in enumerate(born, 1)
    ]
    store = MemoryStore()
    store.append_many(
        [
            journal.event(RUN, started()),
            *journal.births(RUN, born),
            *journal.evaluations(RUN, records),
            journal.event(RUN, Baseline(objectives=(Objective("tests_passed", "max"),))),
            journal.event(RUN, Promoted(id=kid, objectives={}, status="improved")),
        ]
    )
    lineage = section(
        render(tmp_path, RunState.replay(RUN, store.replay(RUN))), "Lineage of the best program"
    )
    assert lineage.count(f"<code>{orig}</code>") == 2
    assert f"<code>{orig}</code> (shown above)" in lineage
    assert lineage.count("<ul") == lineage.count("</ul>") == 3
    assert lineage.count("<li>") == lineage.count("</li>") == 6
    positions = [lineage.index(f"<code>{pid}</code>") for pid in (kid, best, child, orig, other)]
    assert positions == sorted(positions)
