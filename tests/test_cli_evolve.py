"""What `petri evolve` prints of the shadow test."""

from __future__ import annotations

from rich.console import Console

from petri.cli_evolve import print_shadow


def test_the_shadow_test_prints_each_patch_s_counts_and_size() -> None:
    patch = "--- a/p.py\n+++ b/p.py\n@@ -1 +1 @@\n-    return abs(b)\n+    return abs(a)\n"
    shadow = {
        "inputs": 12,
        "trusted": 3,
        "note": "",
        "patches": [
            {
                "id": "a8155bb2aba2a91f",
                "chosen": True,
                "crashes": 0,
                "hangs": 1,
                "divergences": 2,
                "violations": 0,
                "lines": 1,
                "tokens": 5,
                "changes": 7,
                "patch": patch,
                "differences": [
                    {
                        "kind": "divergence",
                        "function": "gcd",
                        "input": "((0, 1), {})",
                        "original": "= 0",
                        "patch": "= 1",
                        "breaks": "",
                    }
                ],
            }
        ],
    }
    out = Console(record=True, width=200)
    print_shadow(out, shadow)
    text = out.export_text()
    assert "shadow test: 12 new inputs (3 near passing tests)" in text
    assert "chosen a8155bb2aba2a91f  return abs(a)  (1 line, 5 tokens)" in text
    assert "crashes 0  hangs 1  divergences 2  violations 0  changes 7" in text
    assert "divergence: gcd((0, 1), {}): original = 0, patch = 1" in text
