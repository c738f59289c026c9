"""The HTML report of a run: self-contained, escaped, readable whether finished or not."""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from petri.errors import ConfigError
from petri.evolve.report import render_report
from petri.runtime.store.base import Event

RUN = "r20261121-0a1b2c"
ORIG, CHILD, BEST, OTHER = "0" * 16, "1" * 16, "2" * 16, "3" * 16
HOSTILE = "</pre><script>alert(1)</script>"
PATCH = (
    "--- a/fizz.py\n+++ b/fizz.py\n@@ -1,2 +1,2 @@\n-    return 'Fizz'\n+    return 'FizzBuzz'\n"
)
OBJECTIVES = [
    {"name": "tests_passed", "direction": "max"},
    {"name": "patch_size", "direction": "min"},
]


def events_of(*items: tuple[str, dict[str, Any]]) -> list[Event]:
    return [Event(RUN, i + 1, t, p, 1000.0 + i) for i, (t, p) in enumerate(items)]


def born(pid: str, parents: list[str], op: str, gen: int, source: str = "x = 1\n") -> Any:
    edits = [{"op": "swap", "site": "3:4", "args": []}] if parents else []
    payload = {"id": pid, "parents": parents, "edits": edits, "op": op, "generation": gen}
    return ("program_born", payload | {"source": source})


def evaluated(pid: str, n: int, passed: float, size: float) -> Any:
    objectives = {"tests_passed": passed, "patch_size": size}
    return ("evaluated", {"id": pid, "status": "ok", "objectives": objectives, "n": n})


def generation(gen: int, front: list[str], best: str, passed: float, evals: int) -> Any:
    best_objectives = {"tests_passed": passed, "patch_size": float(gen)}
    payload = {"generation": gen, "population": front, "front": front, "best": best}
    return ("generation_done", payload | {"best_objectives": best_objectives, "evaluations": evals})


def run_events(objectives: list[dict[str, str]] = OBJECTIVES, finished: bool = True) -> list[Event]:
    started = {"problem": "/p/fizzbuzz", "program": "fizz.py", "seed": 7, "max_evals": 50}
    items = [
        ("run_started", started | {"objectives": objectives, "original": ORIG, "out": "/o"}),
        born(ORIG, [], "original", 0),
        evaluated(ORIG, 1, 8.0, 0.0),
        generation(0, [ORIG], ORIG, 8.0, 1),
        born(CHILD, [ORIG], "mutate", 1),
        evaluated(CHILD, 2, 9.0, 1.0),
        generation(1, [CHILD], CHILD, 9.0, 2),
        born(BEST, [CHILD], "mutate", 2, source=HOSTILE),
        evaluated(BEST, 3, 11.0, 2.0),
        born(OTHER, [ORIG], "mutate", 2),
        evaluated(OTHER, 4, 10.0, 1.0),
        generation(2, [BEST, OTHER], BEST, 11.0, 4),
        ("promoted", {"id": BEST, "objectives": {}, "patch": PATCH + HOSTILE + "\n"}),
    ]
    if finished:
        end = {"status": "repaired", "best": BEST, "evaluations": 4, "duration_s": 12.5}
        items.append(("run_finished", end | {"out": "/o"}))
    return events_of(*items)


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


def render(tmp_path: Path, events: list[Event]) -> str:
    out = render_report(events, tmp_path / "out" / "report.html")
    assert out == tmp_path / "out" / "report.html"
    return out.read_text(encoding="utf-8")


def section(html: str, title: str) -> str:
    return html.split(f"<h2>{title}</h2>", 1)[1].split("<h2>", 1)[0]


def test_a_finished_run_has_its_header_plots_and_tables(tmp_path: Path) -> None:
    html = render(tmp_path, run_events())
    header = html.split("<h2>", 1)[0]
    for expected in (RUN, "/p/fizzbuzz", "repaired", ">4<", "12.5 s", ">7<"):
        assert expected in header
    assert section(html, "Best objectives per generation").count("<svg") == 2
    assert section(html, "Pareto front").count("<svg") == 1
    table = section(html, "Pareto front").split("<table>", 1)[1]
    assert table.count("<tr") == 3  # the header and the two programs of the front
    assert f"<tr class='best'><td>{BEST}</td><td>mutate</td><td>2</td><td>ok</td>" in table
    assert "<td>11</td><td>2</td>" in table and "<td>10</td><td>1</td>" in table


def test_the_report_is_self_contained(tmp_path: Path) -> None:
    html = render(tmp_path, run_events())
    tags = tags_of(html)
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert "<script" not in html.lower() and "<link" not in html.lower()
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_candidate_text_cannot_inject_markup(tmp_path: Path) -> None:
    events = run_events()
    evil_id = "<b>evil</b>"
    events.insert(-2, Event(RUN, 99, "program_born", born(evil_id, [ORIG], "<i>op</i>", 2)[1], 0))
    events.insert(-2, Event(RUN, 98, "evaluated", evaluated(evil_id, 5, 1.0, 1.0)[1], 0))
    front = ("generation_done", generation(3, [BEST, evil_id], BEST, 11.0, 5)[1])
    events.insert(-2, Event(RUN, 97, *front, 0))
    html = render(tmp_path, events)
    assert {"script", "b", "i"}.isdisjoint(tags_of(html))
    assert html.count("&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;") == 2  # patch, source
    assert "&lt;b&gt;evil&lt;/b&gt;" in html and "&lt;i&gt;op&lt;/i&gt;" in html


def test_the_lineage_walks_from_the_best_back_to_the_original(tmp_path: Path) -> None:
    lineage = section(render(tmp_path, run_events()), "Lineage of the best program")
    positions = [lineage.index(f"<code>{pid}</code>") for pid in (BEST, CHILD, ORIG)]
    assert positions == sorted(positions)
    assert OTHER not in lineage
    assert "swap@3:4" in lineage and "tests_passed=11" in lineage
    assert lineage.count("<ul") == lineage.count("</ul>") == 1


def test_a_crossover_nests_each_parent_and_shows_a_shared_ancestor_once(tmp_path: Path) -> None:
    events = run_events()
    kid = "4" * 16
    events.insert(-1, Event(RUN, 90, *born(kid, [BEST, OTHER], "crossover", 3), 0))
    events.append(Event(RUN, 91, "run_finished", {"status": "improved", "best": kid}, 2000.0))
    lineage = section(render(tmp_path, events), "Lineage of the best program")
    assert lineage.count(f"<code>{ORIG}</code>") == 2
    assert f"<code>{ORIG}</code> (shown above)" in lineage
    assert lineage.count("<ul") == lineage.count("</ul>") == 3
    assert lineage.count("<li>") == lineage.count("</li>") == 6


def test_the_patch_is_coloured_by_line_kind(tmp_path: Path) -> None:
    patch = section(render(tmp_path, run_events()), "Patch")
    assert "<span class='add'>+    return &#x27;FizzBuzz&#x27;</span>" in patch
    assert "<span class='del'>-    return &#x27;Fizz&#x27;</span>" in patch
    assert "<span class='meta'>--- a/fizz.py</span>" in patch
    assert "<span class='hunk'>@@ -1,2 +1,2 @@</span>" in patch


def test_one_objective_gives_a_table_and_no_scatter(tmp_path: Path) -> None:
    html = render(tmp_path, run_events(objectives=OBJECTIVES[:1]))
    front = section(html, "Pareto front")
    assert "<svg" not in front and "<table>" in front
    assert section(html, "Best objectives per generation").count("<svg") == 1


def test_an_unfinished_run_still_renders(tmp_path: Path) -> None:
    html = render(tmp_path, run_events(finished=False))
    header = html.split("<h2>", 1)[0]
    assert "running or interrupted" in header
    assert ">4<" in header  # evaluations counted from the evaluated events
    assert "<svg" in html and f"<code>{BEST}</code>" in html


def test_a_run_that_just_started_renders_placeholders(tmp_path: Path) -> None:
    html = render(tmp_path, run_events(finished=False)[:1])
    assert "<svg" not in html
    assert "No generation has finished yet." in html and "No program was promoted." in html
    assert f"<code>{ORIG}</code> (no birth recorded)" in html


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    first = render_report(run_events(), tmp_path / "a.html").read_bytes()
    assert render_report(run_events(), tmp_path / "b.html").read_bytes() == first


def test_missing_matplotlib_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ConfigError, match=r"pip install 'petridish\[report\]'"):
        render_report(run_events(), tmp_path / "report.html")
    assert not (tmp_path / "report.html").exists()


def test_objective_names_are_escaped_in_tables_and_plots(tmp_path: Path) -> None:
    name = "<script>$x</script>"
    events = [
        Event(e.run_id, e.seq, e.type, rename(e.payload, "tests_passed", name), e.time)
        for e in run_events()
    ]
    html = render(tmp_path, events)
    assert "script" not in tags_of(html)
    assert "&lt;script&gt;$x&lt;/script&gt;" in section(html, "Pareto front")
    assert section(html, "Best objectives per generation").count("<svg") == 2


def rename(payload: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``payload`` with objective ``old`` called ``new`` wherever objectives appear."""
    out = dict(payload)
    for key in ("objectives", "best_objectives"):
        value = out.get(key)
        if isinstance(value, dict) and old in value:
            out[key] = {new if k == old else k: v for k, v in value.items()}
        elif isinstance(value, list):
            out[key] = [o | {"name": new} if o["name"] == old else o for o in value]
    return out
