"""How workers are launched: the bubblewrap plan, the scrubbed environment, rlimits fallback."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from petri.config import Limits, SandboxSettings
from petri.errors import JailUnavailable
from petri.sandbox import JudgeSpec, Status, WorkerPool, jail
from petri.sandbox.jail import JAIL_PROBLEM, JAIL_RUNTIME, LaunchPlan, bwrap_usable, plan_launch

ProblemWriter = Callable[..., Path]
BOOT = ["/usr/bin/python3", "-I", "-S", "-c", "pass"]
SECRETS = {"AWS_SECRET_ACCESS_KEY": "hunter2-aws", "PETRI_TEST_TOKEN": "hunter2-petri"}
PROGRAM = "def double(n):\n    return 2 * n\n"
TESTS = "from calc import double\n\n\ndef test_double():\n    assert double(4) == 8\n"


def bwrap_plan(
    monkeypatch: pytest.MonkeyPatch, root: Path, boot: list[str] = BOOT, **limits: int
) -> LaunchPlan:
    monkeypatch.setattr(jail, "bwrap_usable", lambda: "/usr/bin/bwrap")
    spec = JudgeSpec(root, "calc.py", "tests")
    uid = 61000 if os.geteuid() == 0 else None
    return plan_launch(spec, Limits(**limits), SandboxSettings(jail="bwrap"), uid, boot)


def ro_binds(argv: list[str]) -> dict[str, str]:
    """Each read-only bind of a bwrap argv: host path to where the jail shows it."""
    return {argv[i + 1]: argv[i + 2] for i, arg in enumerate(argv) if arg == "--ro-bind"}


@pytest.fixture
def under_tmp() -> Iterator[Path]:
    """A folder right under /tmp, wherever pytest keeps its own (TMPDIR may move it)."""
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="petri-runtime-") as folder:
        yield Path(folder).resolve()


def test_bwrap_plan_isolates_network_and_system(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plan = bwrap_plan(monkeypatch, tmp_path)
    argv = plan.argv
    assert plan.kind == "bwrap"
    assert argv[0] == "/usr/bin/bwrap"
    assert argv[-len(BOOT) :] == BOOT
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent"):
        assert flag in argv
    assert argv[argv.index("--remount-ro") + 1] == "/"
    assert "--bind" not in argv  # nothing of the host is writable


def test_bwrap_plan_binds_the_problem_read_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plan = bwrap_plan(monkeypatch, tmp_path)
    triples = list(zip(plan.argv, plan.argv[1:], plan.argv[2:], strict=False))
    assert ("--ro-bind", str(tmp_path), JAIL_PROBLEM) in triples
    assert plan.problem_root == JAIL_PROBLEM
    assert plan.argv[plan.argv.index("--chdir") + 1] == JAIL_PROBLEM


def test_bwrap_plan_mounts_each_path_once_and_nothing_under_tmp(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    argv = bwrap_plan(monkeypatch, tmp_path).argv
    targets = [argv[i + 2] for i, arg in enumerate(argv) if arg == "--ro-bind"]
    assert len(targets) == len(set(targets))  # /usr once, each runtime folder once
    made = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--dir"]
    assert not [p for p in targets + made if p == "/tmp" or p.startswith("/tmp/")]


def test_bwrap_plan_shows_a_runtime_under_tmp_outside_the_private_tmp(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, under_tmp: Path
) -> None:
    """A checkout and venv under /tmp (a fresh clone there): the jail shows them under
    JAIL_RUNTIME, and the interpreter and sys.path the worker gets say so."""
    venv, src = under_tmp / "venv", under_tmp / "src"
    site = venv / "lib" / "site-packages"
    site.mkdir(parents=True)
    src.mkdir()
    (venv / "bin").mkdir()
    (venv / "bin" / "python").symlink_to("/usr/bin/python3")
    monkeypatch.setattr(jail, "runtime_paths", lambda: ["/usr", str(src), str(venv)])
    monkeypatch.setattr(jail, "python_path", lambda: [str(src), str(site)])
    plan = bwrap_plan(monkeypatch, tmp_path, boot=[str(venv / "bin" / "python"), "-I"])
    binds = ro_binds(plan.argv)
    assert {binds[str(src)], binds[str(venv)]} == {f"{JAIL_RUNTIME}/0", f"{JAIL_RUNTIME}/1"}
    assert plan.sys_path == [binds[str(src)], f"{binds[str(venv)]}/lib/site-packages"]
    # The venv's own link (to the system's python): sys.executable names the venv.
    assert plan.argv[-2:] == [f"{binds[str(venv)]}/bin/python", "-I"]
    made = {plan.argv[i + 1]: plan.argv[i - 1] for i, a in enumerate(plan.argv) if a == "--dir"}
    assert made == dict.fromkeys(["/run", "/run/petri", JAIL_RUNTIME], "0755")  # traversable


def test_bwrap_plan_starts_an_interpreter_under_tmp_by_its_jail_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, under_tmp: Path
) -> None:
    """A venv whose interpreter also lives under /tmp: its link and pyvenv.cfg name host paths
    the jail does not show, so the worker starts the interpreter itself, where the jail has it."""
    python = under_tmp / "python" / "bin" / "python3.11"
    python.parent.mkdir(parents=True)
    python.touch()
    venv = under_tmp / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(python)
    monkeypatch.setattr(jail, "runtime_paths", lambda: ["/usr", str(python.parents[1]), str(venv)])
    monkeypatch.setattr(jail, "python_path", lambda: [str(venv)])
    plan = bwrap_plan(monkeypatch, tmp_path, boot=[str(venv / "bin" / "python"), "-I"])
    inside = ro_binds(plan.argv)[str(python.parents[1])]
    assert inside.startswith(JAIL_RUNTIME + "/")
    assert plan.argv[-2:] == [f"{inside}/bin/python3.11", "-I"]


@pytest.mark.skipif(bwrap_usable() is None, reason="bubblewrap not installed")
def test_a_jailed_candidate_finds_only_its_own_files_under_tmp(
    write_problem: ProblemWriter,
) -> None:
    root = write_problem({"calc.py": PROGRAM, "tests/test_calc.py": TESTS}, name="walk")
    walker = (
        "import json, os, sys\n"
        "open('/tmp/mine.txt', 'w').write('x')\n"
        "walk = [os.path.join(d, n) for d, ds, fs in os.walk('/tmp') for n in ds + fs]\n"
        "print('TMP', json.dumps(sorted(walk)))\n"
        "print('SYSPATH', json.dumps(sys.path))\n" + PROGRAM
    )
    spec = JudgeSpec(root, "calc.py", "tests")
    with WorkerPool(spec, Limits(), SandboxSettings(jail="bwrap", workers=1)) as pool:
        evaluation = pool.evaluate(walker)
    assert evaluation.status is Status.OK, evaluation
    seen = {
        label: json.loads(rest)
        for label, rest in (line.split(" ", 1) for line in evaluation.output.splitlines())
    }
    own = "/tmp/petri-candidate"
    assert "/tmp/mine.txt" in seen["TMP"]
    assert all(p in ("/tmp/mine.txt", own) or p.startswith(own + "/") for p in seen["TMP"])
    # Petri and its packages come from outside the private /tmp, wherever the checkout is.
    assert not [p for p in seen["SYSPATH"] if p.startswith("/tmp/") and not p.startswith(own)]


def test_bwrap_plan_caps_tmp_size(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    argv = bwrap_plan(monkeypatch, tmp_path, tmp_mb=7).argv
    tmpfs = argv.index("--tmpfs")
    assert argv[tmpfs + 1] == "/tmp"
    size = argv.index("--size")
    assert size < tmpfs  # bwrap ignores --size after --tmpfs: /tmp would be unbounded
    assert argv[size + 1] == str(7 * 1024 * 1024)
    assert "--size" not in argv[size + 2 : tmpfs]  # the size applies to this very tmpfs


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid drop only happens as root")
@pytest.mark.skipif(os.geteuid() != 0, reason="the uid drop happens only when petri runs as root")
def test_every_live_worker_runs_as_an_unprivileged_uid_of_its_own(
    write_problem: ProblemWriter,
) -> None:
    root = write_problem({"calc.py": PROGRAM, "tests/test_calc.py": TESTS}, name="uids")
    spec = JudgeSpec(root, "calc.py", "tests")
    reporter = "import os\nprint('uid', os.getuid())\n" + PROGRAM
    settings = SandboxSettings(workers=2)
    with (
        WorkerPool(spec, Limits(), settings) as first,
        WorkerPool(spec, Limits(), settings) as second,
    ):
        # An idle worker goes to the back of the queue: two calls reach both workers of a pool.
        outputs = [pool.evaluate(reporter).output for pool in (first, first, second, second)]
    uids = {int(line.split()[1]) for out in outputs for line in out.splitlines() if "uid" in line}
    assert len(uids) == 4  # two pools alive at once: four workers, four uids
    assert min(uids) >= settings.uid


def test_bwrap_plan_leaks_no_host_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    plan = bwrap_plan(monkeypatch, tmp_path)
    argv = plan.argv
    assert "--clearenv" in argv
    assert plan.env == {}  # bwrap itself starts with nothing but what --setenv gives
    set_env = {argv[i + 1]: argv[i + 2] for i, a in enumerate(argv) if a == "--setenv"}
    assert argv.index("--clearenv") < argv.index("--setenv")
    assert_scrubbed(set_env)
    assert not any(value in arg for arg in argv for value in SECRETS.values())


def test_rlimits_plan_leaks_no_host_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    spec = JudgeSpec(tmp_path, "calc.py", "tests")
    plan = plan_launch(spec, Limits(), SandboxSettings(jail="rlimits"), None, BOOT)
    assert plan.kind == "rlimits"
    assert plan.argv == BOOT
    assert_scrubbed(plan.env)


def assert_scrubbed(env: dict[str, str]) -> None:
    host_only = {k for k in os.environ if k not in env}
    assert set(SECRETS) <= host_only
    assert not set(env) & {"AWS_SECRET_ACCESS_KEY", "PETRI_TEST_TOKEN", "SSH_AUTH_SOCK"}
    assert not any(value in v for v in env.values() for value in SECRETS.values())
    assert env["HOME"] == env["TMPDIR"] == "/tmp"  # never the host's home


def test_bwrap_requested_but_missing_is_jail_unavailable(
    monkeypatch: pytest.MonkeyPatch, write_problem: ProblemWriter
) -> None:
    monkeypatch.setattr(jail, "bwrap_usable", lambda: None)
    root = write_problem({"calc.py": PROGRAM, "tests/test_calc.py": TESTS}, name="nobwrap")
    pool = WorkerPool(JudgeSpec(root, "calc.py", "tests"), Limits(), SandboxSettings(jail="bwrap"))
    with pytest.raises(JailUnavailable, match="bubblewrap"):
        pool.start()
    pool.close()


@pytest.mark.parametrize(
    ("jail_setting", "named"),
    [("auto", "bubblewrap"), ("rlimits", "rlimits")],
    ids=["auto-without-bwrap", "rlimits-chosen"],
)
def test_the_rlimits_fallback_always_warns(
    monkeypatch: pytest.MonkeyPatch, write_problem: ProblemWriter, jail_setting: str, named: str
) -> None:
    monkeypatch.setattr(jail, "bwrap_usable", lambda: None)  # no effect when rlimits is chosen
    root = write_problem({"calc.py": PROGRAM, "tests/test_calc.py": TESTS}, name=jail_setting)
    spec = JudgeSpec(root, "calc.py", "tests")
    settings = SandboxSettings(jail=jail_setting, workers=1)
    with WorkerPool(spec, Limits(), settings) as pool:
        evaluation = pool.evaluate(PROGRAM)
    assert pool.jail == "rlimits"
    assert pool.warning is not None
    assert named in pool.warning
    assert evaluation.status is Status.OK
    assert evaluation.sandbox == "rlimits"


def test_rlimits_worker_ignores_pytest_config_above_the_problem(
    write_problem: ProblemWriter,
) -> None:
    """Without the jail the worker sees the host's folders: a pytest.ini or conftest.py above
    the problem must not change its tests (inside the jail there is nothing above /problem)."""
    outer = write_problem(
        {
            "pytest.ini": "[pytest]\naddopts = -ra --strict-markers -x\n",
            "conftest.py": (
                "import pytest\n\n\n@pytest.fixture(autouse=True)\ndef sabotage():\n"
                "    raise RuntimeError('outer conftest must not load')\n"
            ),
            "problem/calc.py": PROGRAM,
            "problem/tests/test_calc.py": TESTS,
        },
        name="nested",
    )
    spec = JudgeSpec(outer / "problem", "calc.py", "tests")
    with WorkerPool(spec, Limits(), SandboxSettings(jail="rlimits", workers=1)) as pool:
        evaluation = pool.evaluate(PROGRAM)
    assert evaluation.status is Status.OK, evaluation.tests
    assert [t.name for t in evaluation.tests] == ["tests/test_calc.py::test_double"]


def test_problem_own_pytest_ini_is_honoured(write_problem: ProblemWriter) -> None:
    root = write_problem(
        {
            "pytest.ini": (
                "[pytest]\nmarkers =\n    slow: a slow test\npython_functions = check_*\n"
            ),
            "calc.py": PROGRAM,
            "tests/test_calc.py": (
                "import pytest\nfrom calc import double\n\n\n@pytest.mark.slow\n"
                "def check_double():\n    assert double(2) == 4\n"
            ),
        },
        name="own_ini",
    )
    spec = JudgeSpec(root, "calc.py", "tests")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        evaluation = pool.evaluate(PROGRAM)
    assert [t.name for t in evaluation.tests] == ["tests/test_calc.py::check_double"]
    assert evaluation.status is Status.OK
