"""What one kept smoke-test worker carries from a run to the next: workspace modules the model
imports are imported afresh once edited (and the compiled sampler built again), and the jax
settings a file chooses at module level hold for its runs only."""

from __future__ import annotations

import threading

import pytest

from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.settings import SmokeSettings
from numpyro_lsp.smoke.pipeline import run_smoke_test
from numpyro_lsp.smoke.runner import SmokeRunner

CATALOG = load_catalog().catalog
TINY = SmokeSettings(warmup=30, samples=30, chains=1, timeout_s=120)
MODEL = """\
import numpyro
import numpyro.distributions as dist
from helper import prior_loc


def model():
    numpyro.sample("x", dist.Normal(prior_loc(), 0.01))
"""


@pytest.fixture(scope="module")
def runner():
    runner = SmokeRunner()
    yield runner
    runner.close()


def smoke(runner, path, source):
    return run_smoke_test(runner, source, str(path), "model", TINY, CATALOG, threading.Event())


def test_an_edited_helper_module_takes_effect_on_the_next_run(runner, tmp_path):
    helper = tmp_path / "helper.py"
    helper.write_text("def prior_loc():\n    return 0.0\n")
    model = tmp_path / "model.py"
    model.write_text(MODEL)
    first = smoke(runner, model, MODEL)
    assert abs(first.sites["x"].mean[0]) < 0.1, first.details
    helper.write_text("def prior_loc():\n    return 50.0\n")
    second = smoke(runner, model, MODEL)
    assert abs(second.sites["x"].mean[0] - 50) < 0.1, second.details
    assert "compiled sampler reused" not in second.summary
    # Unchanged since: the compiled sampler is reused again.
    third = smoke(runner, model, MODEL)
    assert "compiled sampler reused" in third.summary
    assert abs(third.sites["x"].mean[0] - 50) < 0.1


X64 = """\
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
{setup}

def model():
    x = numpyro.sample("x", dist.Normal(0.0, 1.0))
    numpyro.deterministic("is_float64", jnp.asarray(float(x.dtype == jnp.float64)))
"""


def test_module_level_enable_x64_holds_for_that_file_only(runner, tmp_path):
    wide = tmp_path / "wide.py"
    source = X64.format(setup="numpyro.enable_x64()\n")
    assert smoke(runner, wide, source).sites["is_float64"].mean == [1.0]
    # The same worker, another file that does not ask for it: float32 again.
    narrow = tmp_path / "narrow.py"
    assert smoke(runner, narrow, X64.format(setup="")).sites["is_float64"].mean == [0.0]
    # And the first file's compiled sampler, reused, still runs in float64.
    again = smoke(runner, wide, source)
    assert "compiled sampler reused" in again.summary
    assert again.sites["is_float64"].mean == [1.0]


def test_module_level_set_platform_is_followed(runner, tmp_path):
    on_cpu = smoke(runner, tmp_path / "cpu.py", X64.format(setup='numpyro.set_platform("cpu")\n'))
    assert on_cpu.verdict != "fail" and on_cpu.device == "cpu", on_cpu.details
    # A platform this machine lacks is jax's error, as in a plain run: not a silent run on
    # the worker's own device.
    report = smoke(runner, tmp_path / "tpu.py", X64.format(setup='numpyro.set_platform("tpu")\n'))
    assert report.verdict == "fail"
    assert "tpu" in report.details.lower(), report.details
