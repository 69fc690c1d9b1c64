"""Quiet on correct code: a corpus of varied, correct NumPyro programs gives no finding, and
each of them really runs with the installed numpyro."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules.engine import check_source

CORPUS = sorted((Path(__file__).parent / "corpus" / "correct").glob("*.py"))
CATALOG = read_catalog(shipped_catalog_path())


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_no_findings_on_correct_models(path):
    assert check_source(path.read_text(), CATALOG) == []


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_program_runs(path):
    """The corpus is only evidence if its programs are correct: run each (tiny settings)."""
    result = subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "JAX_PLATFORMS": "cpu"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
