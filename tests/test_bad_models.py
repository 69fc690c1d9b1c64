"""Recall on the project's bad-model set, and quiet on its near-misses.

``tests/corpus/bad/<category>/`` holds buggy programs, one bug each; the first lines name
the rule that must catch it (``# expect: NPR021``) and how the program really fails when it
runs (``# fails: ValueError: too many values to unpack``): an exception, or a sanity check of
its result that the bug breaks. ``tests/corpus/near_miss/<category>/`` holds correct
programs that look like the bug: each runs cleanly and gives no finding. The programs run
with the installed numpyro, all in one subprocess (tests/snippet_runner.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules.engine import RuleSettings, check_source

CORPUS = Path(__file__).parent / "corpus"
BAD = sorted((CORPUS / "bad").glob("*/*.py"))
NEAR_MISSES = sorted((CORPUS / "near_miss").glob("*/*.py"))
CATALOG = read_catalog(shipped_catalog_path())
EVERY_RULE = RuleSettings(select=frozenset({"NPR"}))
RUNNER = Path(__file__).parent / "snippet_runner.py"


def program_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def header(path: Path, field: str) -> str:
    match = re.search(rf"^# {field}: (.+)$", path.read_text(), re.M)
    assert match, f"{program_id(path)} has no '# {field}:' line"
    return match.group(1).strip()


def test_every_category_has_three_bugs_and_three_near_misses():
    categories = {p.parent.name for p in BAD} | {p.parent.name for p in NEAR_MISSES}
    for category in categories:
        assert len([p for p in BAD if p.parent.name == category]) >= 3, category
        assert len([p for p in NEAR_MISSES if p.parent.name == category]) >= 3, category


@pytest.mark.parametrize("path", BAD, ids=program_id)
def test_bug_is_caught(path):
    findings = check_source(path.read_text(), CATALOG, EVERY_RULE)
    assert header(path, "expect") in {f.code for f in findings}, findings


@pytest.mark.parametrize("path", NEAR_MISSES, ids=program_id)
def test_near_miss_is_silent(path):
    assert check_source(path.read_text(), CATALOG, EVERY_RULE) == []


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict]:
    """Every program of the set, run once with the installed numpyro (tiny settings)."""
    folder = tmp_path_factory.mktemp("bad_models")
    programs = [{"name": program_id(p), "source": p.read_text()} for p in BAD + NEAR_MISSES]
    (folder / "programs.json").write_text(json.dumps(programs))
    subprocess.run(
        [sys.executable, str(RUNNER), str(folder / "programs.json"), str(folder / "results.json")],
        check=True,
        timeout=900,
        env={**os.environ, "JAX_PLATFORMS": "cpu"},
    )
    return json.loads((folder / "results.json").read_text())


@pytest.mark.parametrize("path", BAD, ids=program_id)
def test_bug_is_real(runs, path):
    error = runs[program_id(path)]["error"]
    assert error is not None, "the buggy program ran cleanly"
    kind, _, words = header(path, "fails").partition(": ")
    last_line = error.strip().splitlines()[-1]
    assert last_line.startswith(kind) and words in last_line, error[-1500:]


@pytest.mark.parametrize("path", NEAR_MISSES, ids=program_id)
def test_near_miss_runs(runs, path):
    assert runs[program_id(path)]["error"] is None, runs[program_id(path)]["error"][-1500:]
