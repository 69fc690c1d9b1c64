"""Proof that the non-centering rewrites keep a model's meaning and fix its geometry: each
rewrite is requested and applied through the LSP path, then NUTS (fixed seed) samples the
centered and the rewritten model in one subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT, apply_action, code_actions
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules.base import Severity
from numpyro_lsp.rules.engine import check_source

CENTERED = ROOT / "tests" / "corpus" / "centered"
EIGHT_SCHOOLS_ARGS = {"args": ["J", "sigma"], "kwargs": {"y": "y"}}
# (name, file, model, marker of the site, action title, runner arguments)
CASES = [
    (
        "eight_schools",
        EXAMPLES / "eight_schools.py",
        "eight_schools",
        '"theta"',
        "Non-center `theta` with LocScaleReparam",
        EIGHT_SCHOOLS_ARGS,
    ),
    (
        "eight_schools_affine",
        EXAMPLES / "eight_schools.py",
        "eight_schools",
        '"theta"',
        "Non-center `theta` with TransformReparam (explicit affine form)",
        EIGHT_SCHOOLS_ARGS,
    ),
    (
        "funnel",
        CENTERED / "neals_funnel.py",
        "funnel",
        '"x"',
        "Non-center `x` with LocScaleReparam",
        {},
    ),
    (
        "studentt",
        CENTERED / "studentt_hierarchy.py",
        "model",
        '"effect"',
        "Non-center `effect` with LocScaleReparam",
        {},
    ),
    (
        "nested_plates",
        CENTERED / "nested_plates.py",
        "model",
        '"item"',
        "Non-center all hierarchical sites of `model` with LocScaleReparam",
        {},
    ),
]


@pytest.fixture(scope="module")
async def results(client, editor, tmp_path_factory):
    folder = tmp_path_factory.mktemp("noncentered")
    catalog = read_catalog(shipped_catalog_path())
    jobs, rewritten = [], {}
    for name, path, model, marker, title, arguments in CASES:
        uri = editor.open(f"proof_{name}.py", path.read_text())
        actions = {a.title: a for a in await code_actions(client, editor, uri, marker, 1)}
        text = apply_action(editor, uri, actions[title])
        findings = check_source(text, catalog)
        assert [f for f in findings if f.severity >= Severity.WARNING] == [], name
        target = folder / f"{name}.py"
        target.write_text(text)
        rewritten[name] = text
        jobs.append({"path": str(path), "model": model, **arguments})
        jobs.append({"path": str(target), "model": model, **arguments})
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "nuts_check.py"), json.dumps(jobs)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "JAX_PLATFORMS": "cpu"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    summaries = json.loads(run.stdout)
    for (name, *_rest), centered, rewritten in zip(
        CASES, summaries[::2], summaries[1::2], strict=True
    ):
        print(f"{name}: divergences {centered['divergences']} -> {rewritten['divergences']}")
    return {
        name: {"centered": summaries[2 * i], "rewritten": summaries[2 * i + 1]}
        for i, (name, *_rest) in enumerate(CASES)
    }


def agree(result, site, tolerance_in_sd):
    centered, rewritten = result["centered"], result["rewritten"]
    difference = abs(centered["mean"][site] - rewritten["mean"][site])
    return difference < tolerance_in_sd * rewritten["sd"][site]


@pytest.mark.parametrize("name", ["eight_schools", "eight_schools_affine"])
async def test_eight_schools_divergences_fall_and_posterior_agrees(results, name):
    result = results[name]
    assert result["centered"]["divergences"] >= 20
    assert result["rewritten"]["divergences"] <= 5
    assert agree(result, "mu", 0.25)
    assert agree(result, "tau", 0.35)


async def test_neals_funnel_reaches_the_neck(results):
    result = results["funnel"]
    assert result["rewritten"]["divergences"] <= 5
    # y ~ Normal(0, 3): the non-centered sampler recovers its spread, the centered one
    # cannot enter the funnel's neck.
    assert abs(result["rewritten"]["sd"]["y"] - 3.0) < 0.3
    assert result["centered"]["sd"]["y"] < result["rewritten"]["sd"]["y"]


async def test_studentt_hierarchy(results):
    result = results["studentt"]
    assert result["centered"]["divergences"] > result["rewritten"]["divergences"]
    assert result["rewritten"]["divergences"] <= 2
    assert agree(result, "mu", 0.3)


async def test_two_levels_of_plates(results):
    result = results["nested_plates"]
    assert result["centered"]["divergences"] >= 20
    assert result["rewritten"]["divergences"] <= 5
    assert agree(result, "mu", 0.3)
