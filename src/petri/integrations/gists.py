"""A corpus from GitHub gists: every Python file of a user's public gists, in a folder that
``petri ecosystem`` takes as its CORPUS.

Each file goes to ``OUT/<gist id>/<file name>``, its name made safe (no separators, no ``..``,
no leading dot, at most 100 characters, ending in ``.py``). Files that are too large, hold NUL
bytes, are not UTF-8 or do not parse are skipped and counted by reason. ``OUT/manifest.json``
lists every Python file seen and what became of it; ``OUT/.gists-cache.json`` keeps the ETags
that make a re-run cheap (see ``github_http``). What the files do is never run here: the
ecosystem judges them in the sandbox.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petri.errors import ConfigError
from petri.integrations.github_http import GitHubClient, NotFound, next_link
from petri.integrations.github_tokens import GitHubError
from petri.runtime.store.files import write_atomic

MAX_FILE_BYTES = 256 * 1024
CACHE_FILE = ".gists-cache.json"
MANIFEST_FILE = "manifest.json"
MAX_NAME = 100
MAX_PAGES = 1000  # 100,000 gists: a Link chain longer than that is a server's fault
# GitHub user names: letters, digits and single hyphens, not at either end, at most 39.
_USER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_GIST_ID = re.compile(r"[A-Za-z0-9]{1,64}")
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


Progress = Callable[[Fetched, int], None]
"""Called with the counts so far and the number of gists to read (0 while still listing)."""


def check_user(user: str) -> str:
    """``user`` when it can be a GitHub user name; ConfigError naming the rule otherwise.

    Checked before any request, so a name never makes a path or query of its own.
    """
    if not _USER.fullmatch(user):
        raise ConfigError(
            f"{user!r} is not a GitHub user name (letters, digits and single hyphens inside,"
            " at most 39): check the name"
        )
    return user


def safe_name(name: str) -> str:
    """A file name that stays inside its folder and ends in ``.py``."""
    base = _UNSAFE.sub("_", name).replace("..", "_").lstrip("._-")
    stem = base.removesuffix(".py") or "file"
    return stem[: MAX_NAME - 3] + ".py"


def fetch_gists(
    user: str,
    out: Path,
    client: GitHubClient,
    *,
    max_gists: int | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    progress: Progress | None = None,
) -> Fetched:
    """Write the Python files of ``user``'s public gists under ``out``.

    The manifest is written only when every gist was read, so a failed run leaves the last good
    one; the ETag cache is saved either way, so the next run re-asks cheaply.
    """
    check_user(user)
    found = Fetched(user, str(out))
    writer = _Writer(out, client, found, max_bytes)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot make {out} ({exc.strerror}): choose another --out") from exc
    done = False
    try:
        if progress:
            progress(found, 0)
        gists = _list(client, user, max_gists)
        for gist in gists:
            writer.gist(gist)
            if progress:
                progress(found, len(gists))
        done = True
    finally:
        client.save_cache(prune=done)
        found.requests = client.stats.requests
        found.not_modified = client.stats.not_modified
        found.retries = client.stats.retries
    write_atomic(out / MANIFEST_FILE, [json.dumps(writer.manifest, indent=2) + "\n"])
    return found


def _list(client: GitHubClient, user: str, most: int | None) -> list[dict[str, Any]]:
    """Every page of the user's gists, following ``Link: rel="next"`` (each page once)."""
    url: str | None = f"/users/{user}/gists?per_page=100&page=1"
    seen: set[str] = set()
    gists: list[dict[str, Any]] = []
    while url and url not in seen and len(seen) < MAX_PAGES and len(gists) < (most or 1 << 62):
        seen.add(url)
        try:
            body, headers = client.get(url)
        except NotFound:
            raise GitHubError(f"GitHub user {user!r} not found (404): check the name") from None
        try:
            page = json.loads(body)
        except ValueError:
            page = None
        if not isinstance(page, list):
            raise GitHubError(f"GitHub's list of {user}'s gists is not a JSON list; try again")
        gists.extend(g for g in page if isinstance(g, dict))
        url = next_link(headers)
    return gists if most is None else gists[:most]


class _Writer:
    """Writes one gist's Python files and notes each in the manifest."""

    def __init__(self, out: Path, client: GitHubClient, found: Fetched, max_bytes: int) -> None:
        self.out, self.client, self.found, self.max_bytes = out, client, found, max_bytes
        self.manifest: list[dict[str, Any]] = []

    def gist(self, gist: dict[str, Any]) -> None:
        self.found.gists += 1
        gist_id, files = str(gist.get("id", "")), gist.get("files")
        if not isinstance(files, dict):
            return
        taken: set[str] = set()
        for name, meta in sorted(files.items()):
            if not isinstance(meta, dict) or not _is_python(str(name), meta):
                continue
            entry = {"gist": gist_id, "file": str(name), "url": meta.get("raw_url")}
            self.manifest.append(entry)
            if not _GIST_ID.fullmatch(gist_id):  # it names a folder: a hostile id could escape
                self._skip(entry, "bad gist id")
                continue
            self._file(entry, meta, taken)

    def _file(self, entry: dict[str, Any], meta: dict[str, Any], taken: set[str]) -> None:
        size = meta.get("size")
        if isinstance(size, int) and size > self.max_bytes:
            self._skip(entry, "too large")  # known from the listing: not even fetched
            return
        data = self._content(entry, meta)
        if data is None:
            return
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        text, reason = _python_text(data, self.max_bytes)
        if text is None:
            self._skip(entry, reason)
            return
        name = _unique(safe_name(entry["file"]), taken)
        write_atomic(self.out / entry["gist"] / name, [text])
        entry.update(path=f"{entry['gist']}/{name}", status="written")
        self.found.written += 1

    def _content(self, entry: dict[str, Any], meta: dict[str, Any]) -> bytes | None:
        """The file's bytes: inline when the API gave them whole, else from its raw address."""
        content = meta.get("content")
        if isinstance(content, str) and meta.get("truncated") is False:
            try:
                return content.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate in the JSON
                self._skip(entry, "not UTF-8")
                return None
        url = entry["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            self._skip(entry, "no raw address")
            return None
        try:
            data, _ = self.client.get(url, max_bytes=self.max_bytes)
        except NotFound:
            self._skip(entry, "gone (404)")
            return None
        return data

    def _skip(self, entry: dict[str, Any], reason: str) -> None:
        self.found.skipped[reason] += 1
        entry.update(status="skipped", reason=reason)


def _is_python(name: str, meta: dict[str, Any]) -> bool:
    return name.endswith(".py") or meta.get("language") == "Python"


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2.py``... when two hostile names sanitize to the same one."""
    stem, n, chosen = name.removesuffix(".py"), 1, name
    while chosen in taken:
        n += 1
        chosen = f"{stem[: MAX_NAME - 10]}_{n}.py"
    taken.add(chosen)
    return chosen


def _python_text(data: bytes, max_bytes: int) -> tuple[str | None, str]:
    """The source, or None and why it is skipped."""
    if len(data) > max_bytes:
        return None, "too large"
    if b"\0" in data:
        return None, "binary (NUL bytes)"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not UTF-8"
    try:
        with warnings.catch_warnings():  # old gists are full of invalid escapes: not our news
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, "does not parse"
    return text, ""
