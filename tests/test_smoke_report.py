"""Verdicts, thresholds and where findings go, from worker payloads written by hand."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES
from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.settings import SmokeSettings, read
from numpyro_lsp.smoke.hover import quoted_name_at, site_hover_markdown
from numpyro_lsp.smoke.loader import LoadError, plan_run
from numpyro_lsp.smoke.report import build_report, load_error_report
from numpyro_lsp.smoke.runner import RunOutcome, StackFrame

PATH = "/x/eight_schools.py"
PLAN = plan_run((EXAMPLES / "eight_schools.py").read_text(), PATH, None, load_catalog().catalog)
SETTINGS = SmokeSettings()


def site(r_hat=1.0, n_eff=400.0, finite=True, size=None):
    values = [r_hat] * (size or 1)
    return {
        "shape": [size] if size else [],
        "mean": [0.5] * len(values),
        "sd": [1.0] * len(values),
        "n_eff": [n_eff] * len(values),
        "r_hat": values,
        "max_r_hat": r_hat,
        "min_n_eff": n_eff,
        "finite": finite,
    }


def result(divergences=(0, 0), warnings=(), step_size=(0.2, 0.3), **sites):
    payload = {
        "reused": False,
        "device": "cpu",
        "timings": {"load_s": 0.01, "compile_s": 3.0, "warmup_s": 0.1, "sampling_s": 0.1},
        "chains": 2,
        "draws": 600,
        "divergences": list(divergences),
        "accept_prob": 0.8,
        "step_size": list(step_size),
        "compile_cache": "/home/u/.cache/numpyro-lsp/jax-compilation-cache",
        "sites": {"mu": site(), "tau": site(), "theta": site(size=8), **sites},
        "warnings": list(warnings),
    }
    outcome = RunOutcome("result", "sampling", payload, wall_s=3.5, startup_s=0.7)
    return build_report(PLAN, outcome, SETTINGS)


def test_a_clean_run_passes():
    report = result()
    assert report.verdict == "pass"
    assert report.findings == []
    assert report.summary.startswith("NUTS smoke test of eight_schools: PASS: 0 divergences")
    assert "theta[7]" in report.details and "worker start and jax import 0.70 s" in report.details
    assert "thresholds: pass: no divergences, r_hat <= 1.05" in report.details


def test_a_nan_step_size_and_the_compilation_cache_are_reported():
    # NaN travels as null (protocol.encode); it must not break the report's formatting.
    report = result(step_size=(None, 0.25), mu=site(r_hat=None, n_eff=None))
    assert "step size nan, 0.25" in report.details
    assert "compilation cache: /home/u/.cache/numpyro-lsp/jax-compilation-cache" in report.details


def test_divergences_warn_on_the_centered_site():
    report = result(divergences=(4, 3))
    assert report.verdict == "warn"
    (finding,) = report.findings
    assert finding.code == "smoke-divergences" and finding.site == "theta"
    assert "7 of 600 draws diverged (1.2%)" in finding.message
    assert "LocScaleReparam(centered=0)" in finding.message
    position = PLAN.sites["theta"]
    assert (finding.line, finding.start, finding.end) == (22, position.start, position.end)


@pytest.mark.parametrize(
    ("sites", "divergences", "verdict", "codes"),
    [
        ({"tau": site(r_hat=1.08)}, (0, 0), "warn", ["smoke-r-hat"]),
        ({"tau": site(n_eff=59.0)}, (0, 0), "warn", ["smoke-n-eff"]),  # bar: 600 / 10
        ({"tau": site(n_eff=60.0)}, (0, 0), "pass", []),
        ({"tau": site(r_hat=1.6)}, (0, 0), "fail", ["smoke-r-hat"]),
        ({"mu": site(finite=False)}, (0, 0), "fail", ["smoke-non-finite"]),
        ({}, (75, 75), "warn", ["smoke-divergences"]),
        ({}, (76, 75), "fail", ["smoke-divergences"]),  # more than 25% of 600
    ],
)
def test_thresholds(sites, divergences, verdict, codes):
    report = result(divergences=divergences, **sites)
    assert report.verdict == verdict
    assert [f.code for f in report.findings] == codes


def test_an_n_eff_just_under_the_bar_is_not_written_as_the_bar():
    # twinify's test model at 50 draws: "n_eff 5 < 5" for 4.8 against a bar of 5.
    (finding,) = result(tau=site(n_eff=59.6)).findings
    assert finding.message.startswith("n_eff 59.6 < 60.0 for `tau`")
    (finding,) = result(tau=site(n_eff=12.2)).findings
    assert finding.message.startswith("n_eff 12 < 60 for `tau`")


def test_warnings_go_to_their_line_or_the_site_they_name():
    report = result(
        warnings=[
            {"category": "UserWarning", "message": "explicit", "line": 21},
            {
                "category": "UserWarning",
                "message": "Missing a plate statement for batch dimension -2 at site 'obs'.",
                "line": None,
            },
            {"category": "FutureWarning", "message": "something else", "line": None},
        ]
    )
    assert report.verdict == "warn"
    lines = [(f.line, f.site) for f in report.findings]
    assert lines == [(21, None), (23, "obs"), (PLAN.model_line, None)]
    assert report.findings[1].message.startswith("UserWarning: Missing a plate statement")


def test_an_error_points_at_the_users_innermost_frame_with_a_hint():
    exception = {
        "type": "TracerBoolConversionError",
        "module": "jax.errors",
        "message": "Attempted boolean conversion of traced array with shape bool[].",
        "frames": [
            {"file": PATH, "line": 21, "function": "eight_schools"},
            {"file": "/elsewhere.py", "line": 3, "function": "helper"},
        ],
        "traceback": "Traceback ...",
    }
    payload = {"exception": exception, "phase": "compiling", "warnings": []}
    report = build_report(PLAN, RunOutcome("error", "compiling", payload), SETTINGS)
    assert report.verdict == "fail"
    (finding,) = report.findings
    assert finding.line == 21 and finding.severity == "error"
    assert "Hint: A Python `if`" in finding.message
    assert report.summary.endswith(
        f"while compiling: {exception['type']}: Attempted boolean "
        f"conversion of traced array with shape bool[]. ({PATH}:21)"
    )


def test_stopped_runs():
    hung = RunOutcome(
        "timeout",
        "compiling",
        message="The smoke test timed out after 2 s while compiling; the worker did not stop "
        "and was killed.",
        stack=[StackFrame("/lib/time.py", 5, "sleep"), StackFrame(PATH, 21, "eight_schools")],
    )
    report = build_report(PLAN, hung, SETTINGS)
    assert report.verdict == "fail"
    assert report.findings[0].line == 21
    assert f"It was at {PATH}:21. Raise the timeout" in report.findings[0].message
    cancelled = build_report(PLAN, RunOutcome("cancelled", "sampling", message="..."), SETTINGS)
    assert cancelled.verdict == "cancelled" and cancelled.findings == []
    crashed = build_report(PLAN, RunOutcome("crashed", "loading", message="crashed"), SETTINGS)
    assert crashed.findings[0].line == PLAN.model_line


def test_a_load_error_fails_at_its_line():
    report = load_error_report(LoadError("`model` needs `x`", 7), "model", PATH)
    assert report.verdict == "fail"
    assert report.findings[0].line == 7
    assert report.summary == "NUTS smoke test of model could not start: `model` needs `x`"


def test_hover_on_a_site_name():
    report = result()
    line = '        theta = numpyro.sample("theta", dist.Normal(mu, tau))'
    assert quoted_name_at(line, line.index('theta"') + 2, set(report.sites)) == (
        "theta",
        line.index('"theta"'),
        line.index('"theta"') + 7,
    )
    assert quoted_name_at(line, 9, set(report.sites)) is None
    markdown = site_hover_markdown(report, report.sites["theta"])
    assert "| `theta[7]` | 0.50 | 1.00 | 400 | 1.00 |" in markdown


def test_settings_options():
    settings, problems = read(
        {"warmup": 50, "samples": 50.0, "chains": 0, "timeout": "soon", "colour": "red"},
        SmokeSettings,
        prefix="",
    )
    assert (settings.warmup, settings.samples, settings.chains, settings.timeout_s) == (
        50,
        50,
        2,
        120.0,
    )
    assert problems == [
        "chains: expected a whole number of at least 1, got 0 (using the default 2)",
        "timeout: expected a number of at least 1, got 'soon' (using the default 120.0)",
        "colour: unknown setting (ignored)",
    ]
    assert read({"enabled": False}, SmokeSettings)[0].enabled is False
