"""The dashboard in a real headless Chromium (Debian's chromium and chromedriver; nothing is
downloaded): open the runs, watch a live run advance, re-drive a dead task."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from swarm_waiting import waiting

from petri.config import load_settings
from petri.ecosystem.corpus import bundled_corpus
from petri.ecosystem.run import start_ecosystem
from petri.evolve.run import start_run
from petri.problem import load_problem
from petri.runtime.queue import from_url
from petri.runtime.queue.task import Task
from petri.web.app import create_app

__all__ = ["waiting"]  # the fixture, used by name

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="no chromium and chromedriver (apt install chromium chromium-driver)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start the dashboard on a free loopback port; yields a function returning its address."""
    import uvicorn

    servers: list[tuple[Any, threading.Thread]] = []

    def start(home: Path | None = None, **options: Any) -> str:
        port = free_port()
        app = create_app(home or tmp_path / "home", poll_s=0.05, **options)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        server.force_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(check: Callable[[], bool], seconds: float = 30.0) -> None:
    """Until ``check()`` holds; an element that went away with a page being replaced (a
    redirect after a POST) is looked for again. Chromium reports such an element either as
    stale or, mid-navigation, as a node that "does not belong to the document"."""
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        WebDriverException,
    )

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (StaleElementReferenceException, NoSuchElementException):
            pass
        except WebDriverException as error:
            if "does not belong to the document" not in str(error):
                raise
        time.sleep(0.1)
    raise AssertionError("the page never showed it")


def ecosystem(tmp_path: Path, ticks: int) -> dict[str, Any]:
    eco = {"width": 32, "height": 32, "organisms": 400, "ticks": ticks, "snapshot_every": 50}
    settings = load_settings(ecosystem=eco, home=tmp_path / "home")
    return start_ecosystem(bundled_corpus(), settings, state_dir=tmp_path / "state")


def test_the_runs_page_leads_to_a_run_and_its_view(
    tmp_path: Path, serve: Callable[..., str], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    summary = ecosystem(tmp_path, 10)
    browser.get(serve())
    link = browser.find_element(By.LINK_TEXT, summary["run_id"])
    link.click()
    wait_for(lambda: "Phylogeny of the dominant species" in browser.page_source)
    assert browser.title == f"petri run {summary['run_id']}"


def test_a_live_run_advances_on_an_open_page(
    tmp_path: Path, serve: Callable[..., str], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    address = serve()
    done: list[dict[str, Any]] = []
    runner = threading.Thread(target=lambda: done.append(ecosystem(tmp_path, 400)))
    runner.start()
    runs = tmp_path / "home" / "runs"
    wait_for(lambda: runs.exists() and any(runs.glob("*.json")))
    run_id = next(runs.glob("*.json")).stem
    browser.get(f"{address}/runs/{run_id}")
    first = int(browser.find_element(By.ID, "events").get_attribute("data-last") or 0)

    def newest() -> int:
        rows = browser.find_elements(By.CSS_SELECTOR, "#events tr[data-seq]")
        return max((int(r.get_attribute("data-seq") or 0) for r in rows), default=0)

    wait_for(lambda: newest() > first + 5)  # events the page did not have when it loaded
    assert "live: event" in browser.find_element(By.ID, "live").text
    runner.join(timeout=120)
    assert done and done[0]["ticks"] == 400


def evolving(tmp_path: Path, budget: int) -> tuple[threading.Thread, list[Any], str]:
    """An evolve run in a thread on a problem no one-statement edit fixes (it spends its
    budget): the thread, where its summary goes, and its run id once it is registered."""
    problem = tmp_path / "square"
    (problem / "tests").mkdir(parents=True)
    (problem / "square.py").write_text("def square(x):\n    return x + 1\n")
    (problem / "tests" / "test_square.py").write_text(
        "from square import square\n\n\ndef test_square():\n"
        "    assert [square(x) for x in (2, 3, 5)] == [6, 25, 123]\n"
    )
    evolve = {"max_evals": budget, "seed": 3, "workers": 1, "population": 8}
    settings = load_settings(problem, evolve=evolve, home=tmp_path / "home")
    done: list[Any] = []
    runner = threading.Thread(
        target=lambda: done.append(start_run(load_problem(problem), settings))
    )
    runner.start()
    runs = tmp_path / "home" / "runs"
    wait_for(lambda: runs.exists() and any(runs.glob("*.json")))
    return runner, done, next(runs.glob("*.json")).stem


def test_a_live_evolve_run_redraws_its_view_and_pages_its_evaluations(
    tmp_path: Path, serve: Callable[..., str], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    address = serve()
    runner, done, run_id = evolving(tmp_path, 150)
    browser.get(f"{address}/runs/{run_id}")
    view = browser.find_element(By.ID, "view")
    wait_for(lambda: (view.get_attribute("data-drawn") or "") != "", 120)  # drawn again, live
    assert "Best objectives per generation" in view.text
    runner.join(timeout=300)
    assert done
    browser.get(f"{address}/runs/{run_id}")
    rows = browser.find_elements(By.CSS_SELECTOR, "#evaluation-rows tr")
    assert len(rows) == 51  # a heading and the newest 50
    newest = int(rows[1].find_element(By.TAG_NAME, "td").text)
    browser.find_element(By.ID, "older").click()
    wait_for(lambda: "before=" in browser.current_url)
    first = browser.find_elements(By.CSS_SELECTOR, "#evaluation-rows tr")[1]
    assert int(first.find_element(By.TAG_NAME, "td").text) == newest - 50


def test_a_run_is_stopped_from_its_page(
    tmp_path: Path, serve: Callable[..., str], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    address = serve()
    runner, done, run_id = evolving(tmp_path, 100_000)
    browser.get(f"{address}/runs/{run_id}")
    wait_for(lambda: "generation_done" in browser.find_element(By.ID, "events").text, 120)
    browser.find_element(By.NAME, "reason").send_keys("enough for today")
    browser.find_element(By.CSS_SELECTOR, "form.stop button").click()
    runner.join(timeout=120)
    assert done and done[0]["status"] == "stopped"
    browser.get(f"{address}/runs/{run_id}")
    assert "stopped" in browser.find_element(By.TAG_NAME, "table").text
    assert not browser.find_elements(By.CSS_SELECTOR, "form.stop")  # nothing left to stop


def test_a_dead_task_is_redriven_from_the_queue_page(
    tmp_path: Path, serve: Callable[..., str], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    url = f"sqlite:///{tmp_path / 'q.db'}"
    with from_url(url) as queue:
        dead = queue.enqueue(Task(kind="work", payload={}, max_attempts=1))
        leased = queue.lease(["work"])
        assert leased is not None
        queue.nack(leased, "boom", "Traceback: boom")
    browser.get(serve(broker=url) + "/queue")
    assert dead in browser.find_element(By.ID, "dead").text
    browser.find_element(By.CSS_SELECTOR, "#dead button").click()
    wait_for(lambda: dead not in browser.find_element(By.ID, "dead").text)
    with from_url(url) as queue:
        task = queue.get(dead)
        assert task is not None and task.status.value == "pending"


@pytest.mark.slow
def test_approving_a_waiting_review_resumes_the_run(
    waiting: tuple[Path, str], serve: Callable[..., str], browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    home, run_id = waiting
    address = serve(home=home)
    browser.get(f"{address}/reviews")
    browser.find_element(By.NAME, "note").send_keys("checked by hand")
    browser.find_element(By.CSS_SELECTOR, "button[value='approve']").click()
    wait_for(lambda: browser.current_url.endswith(f"/runs/{run_id}"))
    wait_for(lambda: "swarm_finished" in browser.find_element(By.ID, "events").text, 180)
    browser.get(f"{address}/reviews")
    assert "Nothing waits for a review" in browser.page_source
