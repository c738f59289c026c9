"""A corpus from GitHub gists: every Python file of a user's public gists, in a folder that
``petri ecosystem`` takes as its CORPUS.

Each file goes to ``OUT/<gist id>/<file name>``, its name made safe (no separators, no ``..``,
no leading dot, at most 100 characters, ending in ``.py``). Files that are too large, hold NUL
bytes, are not UTF-8 or do not parse are skipped and counted by reason. ``OUT/manifest.json``
lists what was written; ``OUT/.gists-cache.json`` keeps the ETags that make a re-run cheap
(see ``github_http``). What the files do is never run here: the ecosystem judges them in the
sandbox.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petri.errors import ConfigError
from petri.integrations.github_http import GitHubClient, GitHubError, next_link
from petri.runtime.store.files import write_atomic

MAX_FILE_BYTES = 256 * 1024
CACHE_FILE = ".gists-cache.json"
# GitHub user names: letters, digits and single hyphens, not at either end, at most 39.
_USER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class Fetched:
    """What a fetch found and wrote."""

    user: str
    out: str
    gists: int = 0
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    not_modified: int = 0
    retries: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "out": self.out,
            "gists": self.gists,
            "written": self.written,
            "skipped": dict(sorted(self.skipped.items())),
            "requests": self.requests,
            "not_modified": self.not_modified,
            "retries": self.retries,
        }


def check_user(user: str) -> str:
    """``user`` when it can be a GitHub user name; ConfigError naming the rule otherwise."""
    if not _USER.match(user):
        raise ConfigError(
            f"{user!r} is not a GitHub user name (letters, digits and single hyphens, "
            "at most 39); check the name"
        )
    return user


def safe_name(name: str) -> str:
    """A file name that stays inside its folder and ends in ``.py``."""
    base = _UNSAFE.sub("_", name.replace("/", "_").replace("\\", "_")).lstrip("._") or "file"
    stem = base[:-3] if base.endswith(".py") else base
    return stem.replace("..", "_")[:97] + ".py"


def fetch_gists(
    user: str,
    out: Path,
    client: GitHubClient,
    *,
    max_gists: int | None = None,
    progress: Any = None,
) -> Fetched:
    """Write the Python files of ``user``'s public gists under ``out``."""
    check_user(user)
    found = Fetched(user, str(out))
    out.mkdir(parents=True, exist_ok=True)
    manifest: list[dict[str, Any]] = []
    try:
        for gist in _gists(client, user, max_gists):
            found.gists += 1
            for name, meta in sorted(gist.get("files", {}).items()):
                if _is_python(name, meta):
                    where = (out, str(gist["id"]), name)
                    manifest.append(_one(client, where, meta, found))
            if progress is not None:
                progress(found)
    finally:
        client.save_cache()
        found.requests = client.stats.requests
        found.not_modified = client.stats.not_modified
        found.retries = client.stats.retries
        write_atomic(out / "manifest.json", [json.dumps(manifest, indent=2) + "\n"])
    return found


def _gists(client: GitHubClient, user: str, most: int | None) -> list[dict[str, Any]]:
    url: str | None = f"/users/{user}/gists?per_page=100"
    gists: list[dict[str, Any]] = []
    while url is not None and (most is None or len(gists) < most):
        body, headers = client.get(url)
        try:
            page = json.loads(body)
        except ValueError:
            raise GitHubError(f"GitHub's list of {user}'s gists is not JSON; try again") from None
        if not isinstance(page, list):
            raise GitHubError(f"GitHub's list of {user}'s gists is not a list; try again")
        gists.extend(g for g in page if isinstance(g, dict) and "id" in g)
        url = next_link(headers)
    return gists if most is None else gists[:most]


def _is_python(name: str, meta: Any) -> bool:
    if not isinstance(meta, dict):
        return False
    return name.endswith(".py") or meta.get("language") == "Python"


def _one(
    client: GitHubClient, where: tuple[Path, str, str], meta: dict[str, Any], found: Fetched
) -> dict[str, Any]:
    out, gist, name = where
    entry: dict[str, Any] = {"gist": gist, "file": name, "url": meta.get("raw_url", "")}
    if int(meta.get("size", 0) or 0) > MAX_FILE_BYTES:
        return _skip(entry, "too large", found)
    body, _ = client.get(str(meta.get("raw_url", "")))
    data = body.encode("utf-8")
    reason = _unusable(body, data)
    if reason:
        return _skip(entry, reason, found)
    folder = out / safe_name(gist)[:-3]
    path = folder / safe_name(name)
    write_atomic(path, [body if body.endswith("\n") else body + "\n"])
    found.written += 1
    return {**entry, "path": str(path.relative_to(out)), "sha256": hashlib.sha256(data).hexdigest()}


def _unusable(body: str, data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        return "too large"
    if "\0" in body or "\ufffd" in body:
        return "binary or not UTF-8"
    try:
        ast.parse(body)
    except (SyntaxError, ValueError, RecursionError):
        return "does not parse"
    return ""


def _skip(entry: dict[str, Any], reason: str, found: Fetched) -> dict[str, Any]:
    found.skipped[reason] += 1
    return {**entry, "skipped": reason}
