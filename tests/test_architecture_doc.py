"""docs/architecture.md's picture is the code's import graph as it is now."""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from gen_architecture_graph import DOC, edges, with_graph  # noqa: E402


def test_the_picture_is_made_from_the_code():
    text = DOC.read_text(encoding="utf-8")
    assert text == with_graph(text), "run: python scripts/gen_architecture_graph.py"


def test_the_picture_shows_the_layers():
    import grimp

    found = set(edges(grimp.build_graph("numpyro_lsp")))
    assert ("numpyro_lsp.server", "numpyro_lsp.features") in found
    assert ("numpyro_lsp.smoke.worker", "numpyro_lsp.smoke") in found  # its protocol only
    assert not any(a == "numpyro_lsp.analysis" and b == "numpyro_lsp.rules" for a, b in found)
