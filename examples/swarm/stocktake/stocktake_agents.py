"""Agents, tools and a planner for the stock-take goal (see GOAL.toml).

The warehouse API is a mock on loopback that the planner starts in the coordinator: it answers
``GET /warehouses`` and ``GET /stock/NAME`` slowly (so counters overlap and race for the shared
totals), and fails the first request for one warehouse (so that task is retried).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Annotated, Any

from petri.agents.agent import Agent, agent
from petri.agents.journal import SwarmState
from petri.agents.models import Goal, SwarmTask, TaskSpec
from petri.agents.permissions import Permissions
from petri.agents.planning import GoalPlanner
from petri.agents.rubric import Check, Rubric
from petri.agents.shared import SharedState
from petri.agents.tools import Url, tool
from petri.errors import StateConflict

WAREHOUSES = {
    "north": {"bolts": 120, "nuts": 340, "washers": 55},
    "south": {"bolts": 80, "nuts": 20, "gears": 12},
    "east": {"gears": 40, "washers": 300},
    "west": {"bolts": 5, "nuts": 5, "washers": 5, "gears": 5},
    "harbour": {"anchors": 3, "bolts": 900},
}
FLAKY = "west"  # its first request fails with a 500: the task is retried
DELAY_S = 0.2


class _Api(BaseHTTPRequestHandler):
    failed: set[str] = set()

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        time.sleep(DELAY_S)
        parts = self.path.strip("/").split("/")
        if parts == ["warehouses"]:
            return self._json(200, sorted(WAREHOUSES))
        if len(parts) == 2 and parts[0] == "stock" and parts[1] in WAREHOUSES:
            if parts[1] == FLAKY and FLAKY not in _Api.failed:
                _Api.failed.add(FLAKY)
                return self._json(500, {"error": "warehouse system restarting"})
            return self._json(
                200,
                {"warehouse": parts[1], "counted_at": time.time(), "stock": WAREHOUSES[parts[1]]},
            )
        return self._json(404, {"error": "no such resource"})

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return


def start_api(port: int = 0) -> str:
    """Serve the mock API on 127.0.0.1 in a daemon thread; its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


@tool(permissions=Permissions(network=("127.0.0.1",)))
def fetch_json(url: Annotated[str, Url]) -> Any:
    """GET a JSON document from the warehouse API."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        return json.load(response)


def _add(totals: Mapping[str, int], stock: Mapping[str, int]) -> dict[str, int]:
    merged = dict(totals)
    for item, count in stock.items():
        merged[item] = merged.get(item, 0) + int(count)
    return dict(sorted(merged.items()))


def _counted(task: SwarmTask, result: Mapping[str, Any]) -> tuple[float, dict[str, Any]]:
    stock = result.get("stock", {})
    ok = bool(stock) and all(isinstance(v, int) and v >= 0 for v in stock.values())
    return (1.0 if ok else 0.0), {"items": len(stock)}


def _fresh(task: SwarmTask, result: Mapping[str, Any]) -> tuple[float, dict[str, Any]]:
    age = time.time() - float(result.get("counted_at", 0))
    return (1.0 if age < 600 else 0.0), {"age_s": round(age, 3)}


def _right_warehouse(task: SwarmTask, result: Mapping[str, Any]) -> tuple[float, dict[str, Any]]:
    same = result.get("warehouse") == task.payload["warehouse"]
    return (1.0 if same else 0.0), {
        "asked": task.payload["warehouse"],
        "got": result.get("warehouse"),
    }


@agent
class Counter(Agent):
    """Counts one warehouse and adds its stock to the shared totals."""

    name = "counter"
    capability = "http"
    kinds = ("count",)
    tools = ("fetch_json",)
    granted = Permissions(network=("127.0.0.1",))
    rubric = Rubric(
        [
            Check("stock_is_counts", 0.5, _counted),
            Check("right_warehouse", 0.3, _right_warehouse),
            Check("fresh", 0.2, _fresh),
        ]
    )

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        totals, version = self.ctx.shared.get("totals")  # read before the slow call: a race
        api, _ = self.ctx.shared.get("api")
        name = task.payload["warehouse"]
        answer = self.call("fetch_json", url=f"{api['url']}/stock/{name}")
        self.state["counted"] = self.state.get("counted", 0) + 1
        value = _add(totals or {}, answer["stock"])
        return {
            "warehouse": answer["warehouse"],
            "stock": answer["stock"],
            "counted_at": answer["counted_at"],
            "change": {"key": "totals", "base_version": version, "value": value},
        }

    @classmethod
    def rebase(cls, task: SwarmTask, result: Mapping[str, Any], current: Any, version: int) -> Any:
        """Another counter wrote first: add this warehouse's stock to what is there now."""
        return _add(current or {}, result["stock"])


@agent
class Reporter(Agent):
    """Writes the report once every count is in."""

    name = "reporter"
    kinds = ("report",)

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        totals, _ = self.ctx.shared.get("totals")
        report, version = self.ctx.shared.get("report")
        top = sorted((totals or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        value = {
            "items": len(totals or {}),
            "units": sum((totals or {}).values()),
            "top": [name for name, _ in top],
        }
        return {"change": {"key": "report", "base_version": version, "value": value}}


class StockPlanner(GoalPlanner):
    """Starts the mock API (on the port the run first used), asks it for the warehouses and
    plans a count per warehouse, then the report after them."""

    def __init__(self, goal: Goal, replans: int) -> None:
        super().__init__(goal, replans)
        self.url = ""

    def attach(self, shared: SharedState) -> None:
        known, _ = shared.get("api")
        port = int(known["port"]) if known else 0
        self.url = start_api(port)
        if not known:
            try:
                shared.put("api", {"url": self.url, "port": int(self.url.rsplit(":", 1)[1])}, 0)
            except StateConflict:
                pass

    def plan(self, state: SwarmState) -> list[TaskSpec]:
        with urllib.request.urlopen(f"{self.url}/warehouses", timeout=10) as response:
            names = json.load(response)
        counts = [
            TaskSpec(
                id=f"count-{n}",
                kind="count",
                capability="http",
                payload={"warehouse": n, "touches": ["totals"]},
                title=f"count {n}",
            )
            for n in names
        ]
        report = TaskSpec(
            id="report",
            kind="report",
            depends_on=[t.id for t in counts],
            payload={"touches": ["report"]},
            title="write the report",
        )
        return [*counts, report]
