"""The parameterization advisor from the command line (``numpyro-lsp advise``), and its
recommendation rule on given numbers.

The two models of the issue: the guide's centered eight schools (weak data: non-centering
``theta`` removes the divergences) and varying intercepts with 100 observations per group
(strong data: centering wins). Each recommendation is checked again with longer runs and
another seed: the recommended variant must beat the rejected ones on ESS per second there
too.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT
from numpyro_lsp.advise.plan import AS_WRITTEN
from numpyro_lsp.advise.recommend import VariantResult, kept_centered, recommend

STRONG_DATA = ROOT / "tests" / "corpus" / "advise" / "varying_intercepts.py"
# Longer runs than the smoke test's default (300 + 300), with another seed.
LONGER = ["--warmup", "1000", "--samples", "1000", "--seed", "1"]
VARIANT_FIELDS = {"name", "divergences", "ess_per_second", "min_ess", "max_r_hat", "seconds"}


def advise(path, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", "advise", str(path), "--json", *args],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def by_name(advice: dict) -> dict[str, dict]:
    return {v["name"]: v for v in advice["variants"]}


def test_eight_schools_non_centers_theta():
    advice = advise(EXAMPLES / "eight_schools.py")
    assert advice["candidates"] == ["theta"]
    variants = by_name(advice)
    assert list(variants) == [AS_WRITTEN, "non-center theta", "partially center theta"]
    assert all(set(v) >= VARIANT_FIELDS for v in variants.values())
    assert advice["recommended"] == "non-center theta"
    written, chosen = variants[AS_WRITTEN], variants["non-center theta"]
    assert written["divergences"] > 0 and chosen["divergences"] == 0
    assert f"{chosen['ess_per_second']:.0f} ESS/s" in advice["reason"]
    assert f"{written['divergences']} divergences" in advice["reason"]
    assert advice["keep_centered"] == []
    # One compiled sampler for every variant.
    assert written["compile_seconds"] > 0
    assert [v["compile_seconds"] for v in advice["variants"][1:]] == [0, 0]

    longer = by_name(advise(EXAMPLES / "eight_schools.py", *LONGER))
    assert longer["non-center theta"]["divergences"] < longer[AS_WRITTEN]["divergences"]
    assert longer["non-center theta"]["ess_per_second"] > longer[AS_WRITTEN]["ess_per_second"]


def test_strong_data_keeps_the_intercepts_centered():
    advice = advise(STRONG_DATA)
    assert advice["candidates"] == ["alpha"]
    assert advice["recommended"] == AS_WRITTEN
    assert advice["reason"].startswith("Keep it as written")
    assert advice["keep_centered"] == ["alpha"]
    variants = by_name(advice)
    assert variants[AS_WRITTEN]["divergences"] == 0
    assert f"{variants[AS_WRITTEN]['ess_per_second']:.0f} ESS/s" in advice["reason"]

    longer = by_name(advise(STRONG_DATA, *LONGER))
    rate = longer[AS_WRITTEN]["ess_per_second"]
    assert rate > longer["non-center alpha"]["ess_per_second"]
    assert rate > longer["partially center alpha"]["ess_per_second"]


def test_a_model_without_candidate_sites_is_kept_without_running(tmp_path):
    model = tmp_path / "flat.py"
    model.write_text(
        "import numpyro\nimport numpyro.distributions as dist\n\n\n"
        "def model():\n    numpyro.sample('x', dist.Normal(0, 1))\n"
    )
    advice = advise(model)
    assert advice["variants"] == [] and advice["recommended"] == AS_WRITTEN
    assert "no centered hierarchical site" in advice["reason"]


def test_a_model_that_cannot_start_says_why(tmp_path):
    model = tmp_path / "needs_args.py"
    model.write_text(
        "import numpyro\nimport numpyro.distributions as dist\n\n\n"
        "def model(n):\n    numpyro.sample('x', dist.Normal(0, 1))\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", "advise", str(model)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "# numpyro: smoke-args" in result.stderr


def result(name: str, divergences: int, rate: float, **centered: float) -> VariantResult:
    return VariantResult(
        name,
        centered,
        divergences=divergences,
        draws=600,
        min_ess=rate,
        ess_per_second=rate,
        seconds=1.0,
    )


@pytest.mark.parametrize(
    ("results", "recommended", "kept"),
    [
        # Divergences as written: the clean variant with the best rate.
        (
            [result(AS_WRITTEN, 9, 50), result("non-center a", 0, 300, a=0.0)],
            "non-center a",
            [],
        ),
        # Clean as written and only a little slower: no better, keep it.
        (
            [result(AS_WRITTEN, 0, 100), result("non-center a", 0, 110, a=0.0)],
            AS_WRITTEN,
            ["a"],
        ),
        # Clean as written and clearly slower: the variant.
        (
            [result(AS_WRITTEN, 0, 100), result("non-center a", 0, 200, a=0.0)],
            "non-center a",
            [],
        ),
        # Faster but diverging variants are not recommended.
        (
            [result(AS_WRITTEN, 0, 100), result("non-center a", 3, 900, a=0.0)],
            AS_WRITTEN,
            ["a"],
        ),
        # One site non-centered, the other kept: its hint is withdrawn.
        (
            [
                result(AS_WRITTEN, 20, 10),
                result("non-center a", 0, 300, a=0.0),
                result("non-center b", 4, 200, b=0.0),
                result("non-center all", 0, 100, a=0.0, b=0.0),
            ],
            "non-center a",
            ["b"],
        ),
        # Everything diverges, the model as written least: keep it, and withdraw nothing.
        (
            [result(AS_WRITTEN, 2, 10), result("non-center a", 8, 300, a=0.0)],
            AS_WRITTEN,
            [],
        ),
    ],
)
def test_the_recommendation_rule(results, recommended, kept):
    recommendation = recommend(results)
    assert recommendation.recommended == recommended
    assert kept_centered(results, recommendation) == kept


def test_no_advice_when_the_model_as_written_fails():
    failed = VariantResult(AS_WRITTEN, {}, error="ValueError: bad scale")
    recommendation = recommend([failed])
    assert recommendation.recommended is None
    assert "ValueError: bad scale" in recommendation.reason


def test_a_variant_waits_for_a_smoke_test_started_between_two_variants():
    import threading

    from numpyro_lsp.advise.pipeline import run_in_turn
    from numpyro_lsp.smoke.runner import RunnerBusy, RunOutcome

    class Runner:
        def __init__(self, busy_for: int) -> None:
            self.busy_for = busy_for
            self.calls = 0

        def run(self, request, timeout_s, cancel, on_progress):
            self.calls += 1
            if self.calls <= self.busy_for:
                raise RunnerBusy("a smoke test is already running")
            return RunOutcome("result", "sampling")

    runner = Runner(busy_for=2)
    assert run_in_turn(runner, None, 1.0, threading.Event(), print).status == "result"
    assert runner.calls == 3
    cancelled = threading.Event()
    cancelled.set()
    outcome = run_in_turn(Runner(busy_for=10**6), None, 1.0, cancelled, print)
    assert outcome.status == "cancelled"
