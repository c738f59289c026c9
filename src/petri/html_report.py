"""What petri's HTML reports share: the page style and matplotlib figures as inline SVG.

matplotlib is an optional extra (``petridish[report]``), imported only when a report is drawn.
"""

from __future__ import annotations

import importlib
import io
import re
from typing import TYPE_CHECKING

from petri.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left}
th{background:#f4f4f4}.plots{display:flex;flex-wrap:wrap;gap:1em}.plots svg{height:auto}
pre{background:#f8f8f8;padding:.8em;overflow-x:auto}.add{color:#176f2c}.del{color:#b31d28}
.hunk{color:#6f42c1}.meta{color:#555;font-weight:bold}.best{font-weight:bold}
ul.lineage{list-style:none;padding-left:.8em;border-left:2px solid #ccc}code{font-size:.95em}"""

# The SVG prolog names a DTD by URL and its metadata names RDF vocabularies: neither is needed.
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def require_matplotlib() -> None:
    try:
        importlib.import_module("matplotlib.figure")
    except ImportError as exc:
        raise ConfigError(
            "the report draws its plots with matplotlib: pip install 'petridish[report]'"
        ) from exc


def figure() -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(4.2, 2.8), layout="constrained")


def svg(fig: Figure, salt: str) -> str:
    """The figure as an inline <svg> element; ``salt`` keeps ids unique within the page."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return _SVG_METADATA.sub("", text[text.index("<svg") :])
