"""Check examples/repos/CATALOG.toml against the repositories it describes.

Run it from anywhere: ``.venv/bin/python examples/repos/check_catalog.py``. It prints a table per
repository and exits 1 if anything is wrong, listing every problem at the end. It needs only the
standard library and pytest, which it runs as ``python -m pytest`` in subprocesses.

Static checks (no repository code runs):

- the catalog is well formed: known fields and kinds, unique ids, ``masks`` naming a bug;
- ``modules`` lists every .py file of the package, and ``imports`` is the graph that the
  modules' import statements give;
- each fixed file differs from its buggy version by one changed line per bug, at the catalogued
  line, inside the catalogued function, and nothing else differs;
- each repository has a bug that masks another, a file with bugs in two functions, and a bug in
  a module that a module with another bug imports (directly or not).

Runs (each in a temporary copy of the repository, with pytest's plugin autoload and cache
disabled, results read from ``--junitxml``):

- as shipped, ``python -m pytest``: some tests of tests/ fail, none errors (a collection error
  would), and nothing outside tests/ is collected (the suite's time is shown, not checked: it
  depends on the machine's load);
- with every fixed file: tests/ and holdout/ all pass;
- with the fixed files and one bug put back, for each bug: at least one test of tests/ fails
  (the tests that catch it), and at least one of holdout/;
- for each bug A that masks bug B, with both put back: every test that catches B fails, and
  fails exactly as it does with A alone: same message, same crash site (the file and line where
  the exception was raised or the assertion failed); with B alone (A fixed) it fails differently.
  The outcome of every test of tests/ is the same with A and B as with A alone: B is invisible
  until A is fixed.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CATALOG = HERE / "CATALOG.toml"
LAYOUTS = {"src", "flat", "package"}
KINDS = {
    "wrong-operator",
    "off-by-one",
    "wrong-constant",
    "wrong-identifier",
    "missing-statement",
    "swapped-arguments",
    "wrong-slice",
    "missing-abs",
    "missing-clamp",
    "missing-negation",
    "misplaced-statement",
}
REPO_FIELDS = {"layout", "fixed", "summary", "modules", "imports", "bugs"}
BUG_FIELDS = {"id", "file", "line", "function", "kind", "edits", "summary"}
OPTIONAL_BUG_FIELDS = {"masks"}
TESTS, HOLDOUT = "tests", "holdout"
TIMEOUT_SECONDS = 120
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".petri")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_CRASH_SITE = re.compile(r"^(?P<path>\S.*?):(?P<line>\d+): \S+$")


# --- pytest runs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How one test ended: ``passed``, ``failed``, ``error`` or ``skipped``, and for a failure
    its message and crash site (``path:line`` where it was raised)."""

    status: str
    message: str = ""
    site: str = ""

    def describe(self) -> str:
        text = self.message.splitlines()[0] if self.message else self.status
        text = text if len(text) <= 70 else text[:67] + "..."
        return f"{text} @ {self.site}" if self.site else text


@dataclass
class Run:
    """One pytest run: its exit code, every test's outcome by id and pytest's duration."""

    returncode: int
    outcomes: dict[str, Outcome]
    seconds: float
    output: str

    def under(self, folder: str) -> dict[str, Outcome]:
        return {t: o for t, o in self.outcomes.items() if t.startswith(folder + "/")}

    def with_status(self, status: str, folder: str) -> set[str]:
        return {t for t, o in self.under(folder).items() if o.status == status}

    def counts(self, folder: str) -> str:
        """``"3 failed, 40 passed, 0 errors"``: failed and skipped only when there are some."""
        statuses = [o.status for o in self.under(folder).values()]
        parts = [f"{statuses.count(s)} {s}" for s in ("failed", "passed", "skipped")]
        parts = [p for p in parts if not p.startswith("0 ") or p.endswith("passed")]
        return ", ".join([*parts, f"{statuses.count('error')} errors"])


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        env.pop(name, None)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_pytest(repo: Path, files: dict[str, str], *args: str) -> Run:
    """``python -m pytest -p no:cacheprovider ARGS`` in a copy of ``repo`` with ``files``
    (relative path -> text) written over it."""
    with tempfile.TemporaryDirectory(prefix="petri-repos-") as tmp:
        copy = Path(tmp) / repo.name
        shutil.copytree(repo, copy, ignore=IGNORED)
        for relative, text in files.items():
            (copy / relative).write_text(text, encoding="utf-8")
        report = Path(tmp) / "report.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        command += [f"--junitxml={report}", *args]
        try:
            done = subprocess.run(
                command,
                cwd=copy,
                env=_environment(),
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Run(-1, {}, float(TIMEOUT_SECONDS), f"timed out after {TIMEOUT_SECONDS} s")
        output = (done.stdout + done.stderr)[-3000:]
        if not report.is_file():
            return Run(done.returncode, {}, 0.0, output)
        outcomes, seconds = _read_junit(report)
        return Run(done.returncode, outcomes, seconds, output)


def _read_junit(report: Path) -> tuple[dict[str, Outcome], float]:
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    seconds = sum(float(suite.get("time", "0")) for suite in suites)
    outcomes = {}
    for case in root.iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        outcomes[_test_id(classname, name)] = _outcome(case)
    return outcomes, seconds


def _test_id(classname: str, name: str) -> str:
    """``tests/test_x.py::TestY::test_z[1]`` from junit's ``tests.test_x.TestY`` and name."""
    if not classname:  # a collection error names the module only
        return name.replace(".", "/") + ".py"
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):
        if parts[cut - 1].startswith("test_") or parts[cut - 1].endswith("_test"):
            path = "/".join(parts[:cut]) + ".py"
            return "::".join([path, *parts[cut:], name])
    return "::".join([classname, name])


def _outcome(case: ET.Element) -> Outcome:
    for status in ("failure", "error", "skipped"):
        element = case.find(status)
        if element is None:
            continue
        message = _ADDRESS.sub("0x?", element.get("message", ""))
        lines = [line for line in (element.text or "").splitlines() if line.strip()]
        match = _CRASH_SITE.match(lines[-1]) if lines else None
        site = f"{match['path']}:{match['line']}" if match else ""
        return Outcome({"failure": "failed"}.get(status, status), message, site)
    return Outcome("passed")


# --- the catalog and the files --------------------------------------------------------------


@dataclass(frozen=True)
class Bug:
    id: str
    file: str
    line: int
    function: str
    kind: str
    edits: int
    summary: str
    masks: str | None


@dataclass(frozen=True)
class Hunk:
    """One difference between a buggy file and its fixed version (difflib opcode ranges)."""

    file: str
    buggy: tuple[int, int]  # 0-based [start, end) in the buggy file
    fixed: tuple[int, int]  # 0-based [start, end) in the fixed file

    @property
    def line(self) -> int:
        """The 1-based buggy line it starts at (for an insertion: the line it precedes)."""
        return self.buggy[0] + 1

    @property
    def changed(self) -> int:
        return max(self.buggy[1] - self.buggy[0], self.fixed[1] - self.fixed[0])


@dataclass
class Repo:
    name: str
    path: Path
    fixed_dir: Path
    entry: dict[str, Any]
    bugs: list[Bug]
    buggy_text: dict[str, str] = field(default_factory=dict)
    fixed_text: dict[str, str] = field(default_factory=dict)
    hunks: dict[str, Hunk] = field(default_factory=dict)  # bug id -> its hunk

    def with_bugs(self, ids: Iterable[str]) -> dict[str, str]:
        """Every fixed file, with the hunks of the bugs ``ids`` put back."""
        chosen = [self.hunks[i] for i in ids]
        files = {}
        for relative, text in self.fixed_text.items():
            lines = text.splitlines(keepends=True)
            buggy = self.buggy_text[relative].splitlines(keepends=True)
            mine = sorted((h for h in chosen if h.file == relative), key=lambda h: -h.fixed[0])
            for hunk in mine:
                lines[hunk.fixed[0] : hunk.fixed[1]] = buggy[hunk.buggy[0] : hunk.buggy[1]]
            files[relative] = "".join(lines)
        return files


class Problems(list[str]):
    def check(self, condition: bool, message: str) -> bool:
        if not condition:
            self.append(message)
        return condition


def load_repos(catalog: dict[str, Any], problems: Problems) -> list[Repo]:
    repos = []
    for name, entry in catalog.items():
        where = f"{name}:"
        if not problems.check(isinstance(entry, dict), f"{where} not a table"):
            continue
        problems.check(set(entry) == REPO_FIELDS, f"{where} fields {sorted(entry)}")
        problems.check(entry.get("layout") in LAYOUTS, f"{where} layout {entry.get('layout')!r}")
        bugs = []
        for raw in entry.get("bugs", []):
            fields = set(raw)
            ok = BUG_FIELDS <= fields <= BUG_FIELDS | OPTIONAL_BUG_FIELDS
            if not problems.check(ok, f"{where} bug fields {sorted(fields)}"):
                continue
            bugs.append(Bug(**{"masks": None, **raw}))
        ids = [bug.id for bug in bugs]
        problems.check(len(ids) == len(set(ids)), f"{where} bug ids repeat: {ids}")
        for bug in bugs:
            problems.check(bug.kind in KINDS, f"{where} {bug.id}: unknown kind {bug.kind!r}")
            problems.check(bug.edits == 1, f"{where} {bug.id}: edits = {bug.edits}, not 1")
            problems.check(
                bug.masks is None or (bug.masks in ids and bug.masks != bug.id),
                f"{where} {bug.id}: masks {bug.masks!r}, no other bug of {name}",
            )
        repo = Repo(name, HERE / name, HERE / str(entry.get("fixed", "")), entry, bugs)
        problems.check(repo.path.is_dir(), f"{where} no folder {repo.path}")
        problems.check(repo.fixed_dir.is_dir(), f"{where} no fixed folder {repo.fixed_dir}")
        if repo.path.is_dir() and repo.fixed_dir.is_dir():
            repos.append(repo)
    return repos


def check_static(repo: Repo, problems: Problems) -> None:
    """Modules, imports, and the diff between the buggy and the fixed files."""
    where = f"{repo.name}:"
    modules = list(repo.entry.get("modules", []))
    found = _package_files(repo.path)
    problems.check(sorted(modules) == sorted(found), f"{where} modules {modules} != {found}")
    code_graph = {module: sorted(_imports(repo.path, module, found)) for module in found}
    listed = {module: sorted(deps) for module, deps in repo.entry.get("imports", {}).items()}
    for module in sorted(set(code_graph) | set(listed)):
        catalogued, imported = listed.get(module), code_graph.get(module)
        problems.check(
            catalogued == imported,
            f"{where} imports of {module}: catalog {catalogued}, code {imported}",
        )
    for test_folder in (TESTS, HOLDOUT):
        problems.check((repo.path / test_folder).is_dir(), f"{where} no {test_folder}/")

    fixed_files = sorted(p.relative_to(repo.fixed_dir).as_posix() for p in _files(repo.fixed_dir))
    bug_files = sorted({bug.file for bug in repo.bugs})
    problems.check(fixed_files == bug_files, f"{where} fixed files {fixed_files} != {bug_files}")
    for relative in fixed_files:
        buggy_path = repo.path / relative
        if not problems.check(buggy_path.is_file(), f"{where} {relative} has no buggy version"):
            continue
        repo.fixed_text[relative] = (repo.fixed_dir / relative).read_text(encoding="utf-8")
        repo.buggy_text[relative] = buggy_path.read_text(encoding="utf-8")
    for relative in repo.fixed_text:
        buggy = repo.buggy_text[relative].splitlines(keepends=True)
        fixed = repo.fixed_text[relative].splitlines(keepends=True)
        matcher = difflib.SequenceMatcher(None, buggy, fixed, autojunk=False)
        hunks = [
            Hunk(relative, (i1, i2), (j1, j2))
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"
        ]
        bugs = {bug.line: bug for bug in repo.bugs if bug.file == relative}
        for hunk in hunks:
            bug = bugs.get(hunk.line)
            if problems.check(bug is not None, f"{where} {relative}:{hunk.line} differs, no bug"):
                assert bug is not None
                repo.hunks[bug.id] = hunk
        tree = ast.parse(repo.buggy_text[relative])
        for bug in bugs.values():
            problems.check(bug.id in repo.hunks, f"{where} {bug.id}: {relative}:{bug.line} same")
            enclosing = _enclosing(tree, bug.line)
            problems.check(
                enclosing == bug.function,
                f"{where} {bug.id}: line {bug.line} is in {enclosing!r}, not {bug.function!r}",
            )
    for bug_id, hunk in repo.hunks.items():
        problems.check(hunk.changed == 1, f"{where} {bug_id}: {hunk.changed} changed lines")

    masking = [bug for bug in repo.bugs if bug.masks]
    problems.check(bool(masking), f"{where} no bug masks another")
    by_file: dict[str, set[str]] = {}
    for bug in repo.bugs:
        by_file.setdefault(bug.file, set()).add(bug.function)
    problems.check(
        any(len(functions) >= 2 for functions in by_file.values()),
        f"{where} no file with bugs in two functions",
    )
    closure = _closure(code_graph)
    problems.check(
        any(a.file in closure.get(b.file, set()) for a in repo.bugs for b in repo.bugs),
        f"{where} no bug in a module that a module with another bug imports",
    )


def _files(folder: Path) -> list[Path]:
    """The folder's files, without caches and without what petri keeps in .petri/ after a run."""
    skip = {"__pycache__", ".petri", ".pytest_cache"}
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and not skip.intersection(p.relative_to(folder).parts)
    )


def _package_files(repo: Path) -> list[str]:
    """Every .py file of the repository outside tests/, holdout/ and conftest.py."""
    found = []
    for path in _files(repo):
        relative = path.relative_to(repo)
        if path.suffix != ".py" or relative.parts[0] in (TESTS, HOLDOUT):
            continue
        if path.name in ("conftest.py", "setup.py"):
            continue
        found.append(relative.as_posix())
    return sorted(found)


def _module_name(relative: str, modules: list[str]) -> str:
    """``src/ledger/money.py`` -> ``ledger.money``: counted from the outermost package."""
    parts = relative.removesuffix(".py").split("/")
    start = 0
    while start < len(parts) - 1 and f"{'/'.join(parts[: start + 1])}/__init__.py" not in modules:
        start += 1
    names = parts[start:]
    return ".".join(names[:-1] if names[-1] == "__init__" else names)


def _imports(repo: Path, relative: str, modules: list[str]) -> set[str]:
    """The modules of the repository that ``relative`` imports."""
    by_name = {_module_name(m, modules): m for m in modules}
    own = _module_name(relative, modules)
    package = own if relative.endswith("__init__.py") else own.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse((repo / relative).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in by_name else base
                for alias in node.names
            ]
        found.update(by_name[t] for t in targets if t in by_name)
    found.discard(relative)
    return found


def _enclosing(tree: ast.Module, line: int) -> str:
    """The dotted names of the classes and functions around ``line``, outermost first."""
    around = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    around.sort(key=lambda node: (node.lineno, -(node.end_lineno or node.lineno)))
    return ".".join(node.name for node in around)


def _closure(graph: dict[str, list[str]]) -> dict[str, set[str]]:
    """Every module each module imports, directly or not."""
    closure = {}
    for start, imported in graph.items():
        seen: set[str] = set()
        stack = list(imported)
        while stack:
            module = stack.pop()
            if module not in seen:
                seen.add(module)
                stack.extend(graph.get(module, []))
        closure[start] = seen
    return closure


# --- the dynamic checks ---------------------------------------------------------------------


@dataclass
class Report:
    shipped: Run
    fixed: Run
    alone: dict[str, Run]
    both: dict[tuple[str, str], Run]


def run_all(repos: list[Repo]) -> dict[str, Report]:
    jobs: dict[tuple[str, str, tuple[str, ...]], Any] = {}
    workers = max(2, min(8, os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for repo in repos:
            jobs[repo.name, "shipped", ()] = pool.submit(run_pytest, repo.path, {})
            fixed = repo.with_bugs([])
            jobs[repo.name, "fixed", ()] = pool.submit(run_pytest, repo.path, fixed, TESTS, HOLDOUT)
            for bug in repo.bugs:
                if bug.id in repo.hunks:
                    files = repo.with_bugs([bug.id])
                    job = pool.submit(run_pytest, repo.path, files, TESTS, HOLDOUT)
                    jobs[repo.name, "alone", (bug.id,)] = job
                if bug.masks and {bug.id, bug.masks} <= set(repo.hunks):
                    files = repo.with_bugs([bug.id, bug.masks])
                    job = pool.submit(run_pytest, repo.path, files, TESTS, HOLDOUT)
                    jobs[repo.name, "both", (bug.id, bug.masks)] = job
        results = {key: job.result() for key, job in jobs.items()}
    reports = {}
    for repo in repos:
        mine = {key: run for key, run in results.items() if key[0] == repo.name}
        reports[repo.name] = Report(
            shipped=mine[repo.name, "shipped", ()],
            fixed=mine[repo.name, "fixed", ()],
            alone={ids[0]: run for (_, kind, ids), run in mine.items() if kind == "alone"},
            both={(ids[0], ids[1]): run for (_, kind, ids), run in mine.items() if kind == "both"},
        )
    return reports


def check_runs(repo: Repo, report: Report, problems: Problems) -> list[str]:
    """Check the runs of one repository; returns the lines of its table."""
    where = f"{repo.name}:"
    rows = []
    shipped, fixed = report.shipped, report.fixed
    problems.check(
        shipped.returncode == 1,
        f"{where} as shipped, pytest exits {shipped.returncode}, not 1\n{shipped.output}",
    )
    problems.check(bool(shipped.with_status("failed", TESTS)), f"{where} as shipped, none fails")
    errors = sorted(t for t, o in shipped.outcomes.items() if o.status == "error")
    problems.check(not errors, f"{where} as shipped, errors: {errors}")
    problems.check(
        set(shipped.outcomes) == set(shipped.under(TESTS)),
        f"{where} as shipped, pytest collects outside tests/",
    )
    rows.append(f"  as shipped   tests/ {shipped.counts(TESTS)} in {shipped.seconds:.2f} s")

    everything = fixed.outcomes.values()
    problems.check(
        fixed.returncode == 0 and all(o.status == "passed" for o in everything),
        f"{where} fixed, not everything passes: exit {fixed.returncode}\n{fixed.output}",
    )
    problems.check(
        set(fixed.under(TESTS)) == set(shipped.outcomes),
        f"{where} fixed, tests/ collects other tests than as shipped",
    )
    problems.check(bool(fixed.under(HOLDOUT)), f"{where} fixed, holdout/ has no tests")
    rows.append(
        f"  fixed        tests/ {fixed.counts(TESTS)}, holdout/ {fixed.counts(HOLDOUT)}"
        f" in {fixed.seconds:.2f} s"
    )

    width = max(len(bug.id) for bug in repo.bugs)
    places = {bug.id: f"{bug.file}:{bug.line}" for bug in repo.bugs}
    place_width = max(len(p) for p in places.values())
    rows.append(
        f"  {'bug':<{width}}  {'where':<{place_width}}  {'kind':<17}  lines"
        "  tests/ failed  holdout/ failed  masks"
    )
    for bug in repo.bugs:
        run = report.alone.get(bug.id)
        hunk = repo.hunks.get(bug.id)
        if run is None or hunk is None:
            continue
        failed_tests = run.with_status("failed", TESTS)
        failed_holdout = run.with_status("failed", HOLDOUT)
        errors = [t for t, o in run.outcomes.items() if o.status == "error"]
        problems.check(bool(failed_tests), f"{where} {bug.id} alone: no test of tests/ fails")
        problems.check(bool(failed_holdout), f"{where} {bug.id} alone: no test of holdout/ fails")
        problems.check(not errors, f"{where} {bug.id} alone: errors {errors}")
        problems.check(run.returncode == 1, f"{where} {bug.id} alone: exit {run.returncode}")
        total = len(run.under(TESTS))
        where_and_what = f"{places[bug.id]:<{place_width}}  {bug.kind:<17}"
        rows.append(
            f"  {bug.id:<{width}}  {where_and_what}  {hunk.changed:>5}  {len(failed_tests):>6}"
            f" of {total:<4}  {len(failed_holdout):>15}  {bug.masks or ''}"
        )

    for pair in report.both:
        rows.extend(_check_masking(repo, report, pair, problems))
    return rows


def _check_masking(
    repo: Repo, report: Report, pair: tuple[str, str], problems: Problems
) -> list[str]:
    """Bug ``pair[0]`` hides ``pair[1]``: check it with the runs of ``report``."""
    masking, masked = pair
    both = report.both[pair]
    where = f"{repo.name}: {masking} masks {masked}:"
    with_masking, with_masked = report.alone[masking], report.alone[masked]
    caught = sorted(with_masked.with_status("failed", TESTS))
    problems.check(bool(caught), f"{where} no test catches {masked} alone")
    still_failing = [t for t in caught if both.outcomes[t].status == "failed"]
    as_masking = [t for t in caught if both.outcomes[t] == with_masking.outcomes.get(t)]
    different = [t for t in caught if both.outcomes[t] != with_masked.outcomes[t]]
    hidden = both.under(TESTS) == with_masking.under(TESTS)
    unplaced = [t for t in caught if not both.outcomes[t].site or not with_masked.outcomes[t].site]
    problems.check(not unplaced, f"{where} no crash site read for {unplaced}")
    problems.check(len(still_failing) == len(caught), f"{where} with both, some of {caught} pass")
    problems.check(
        len(as_masking) == len(caught),
        f"{where} with both, {sorted(set(caught) - set(as_masking))} fail otherwise than"
        f" with {masking} alone",
    )
    problems.check(
        len(different) == len(caught),
        f"{where} {sorted(set(caught) - set(different))} fail the same with {masked} alone",
    )
    problems.check(hidden, f"{where} tests/ shows {masked} while {masking} is present")
    example = caught[0] if caught else None
    rows = [
        f"  masking      {masking} hides {masked}: {len(caught)} tests of tests/ catch"
        f" {masked} alone;",
        f"               with both, {len(still_failing)} fail, {len(as_masking)} exactly as with"
        f" {masking} alone (message and crash site), {len(different)} otherwise than with {masked}"
        f" alone; every outcome of tests/ as with {masking} alone: {'yes' if hidden else 'NO'}",
    ]
    if example is not None:
        rows += [
            f"               e.g. {example}",
            f"                 both bugs / {masking} alone: {both.outcomes[example].describe()}",
            f"                 {masked} alone: {with_masked.outcomes[example].describe()}",
        ]
    return rows


def main() -> int:
    problems = Problems()
    catalog = tomllib.loads(CATALOG.read_text(encoding="utf-8"))
    repos = load_repos(catalog, problems)
    fixed_roots = {Path(str(entry.get("fixed", ""))).parts[0] for entry in catalog.values()}
    folders = {p.name for p in HERE.iterdir() if p.is_dir() and p.name.isidentifier()}
    missing = sorted(folders - set(catalog) - fixed_roots)
    problems.check(not missing, f"folders missing from the catalog: {missing}")
    for repo in repos:
        check_static(repo, problems)
    reports = run_all(repos)
    for repo in repos:
        modules = len(repo.entry["modules"])
        print(
            f"{repo.name}  ({repo.entry['layout']} layout, {modules} modules, "
            f"{len(repo.bugs)} bugs; fixed files in {repo.entry['fixed']}/)"
        )
        for row in check_runs(repo, reports[repo.name], problems):
            print(row)
        print()
    if problems:
        print(f"{len(problems)} problem(s):")
        for problem in problems:
            print(f"- {problem}")
        return 1
    print(f"OK: {len(repos)} repositories, {sum(len(r.bugs) for r in repos)} bugs, as catalogued")
    return 0


if __name__ == "__main__":
    sys.exit(main())
