"""Every snippet, expanded with its defaults, is a correct NumPyro program: it parses, our checks
find nothing in it, and it runs with the installed numpyro.

A snippet is a fragment (a model, or an inference step that needs one), so each is tested
inside a small program: the ``np_imports`` snippet, a harness that supplies data (and a
model or a fit where the snippet needs one), the snippet, and a few lines that use its
result. All programs run in one subprocess (tests/snippet_runner.py), with MCMC and SVI
iteration counts capped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules.engine import RuleSettings, check_source
from numpyro_lsp.snippets.library import library
from numpyro_lsp.snippets.syntax import expand

CATALOG = read_catalog(shipped_catalog_path())
EVERY_RULE = RuleSettings(select=frozenset({"NPR"}))
SNIPPETS = {snippet.prefix: expand(snippet.body) for snippet in library()}
IMPORTS = SNIPPETS["np_imports"]
# The centered model is the guide's blueprint, centered on purpose: the hint to non-center it
# is the right advice.
EXPECTED_FINDINGS = {"np_8schools": {"NPR012"}}


@dataclass(frozen=True)
class Harness:
    before: str = ""
    after: str = ""
    # Snippets meant for the top of a file come before the imports.
    at_top: bool = False


def nuts(model: str, arguments: str) -> str:
    return (
        f"mcmc = MCMC(NUTS({model}), num_warmup=20, num_samples=20)\n"
        f"mcmc.run(random.PRNGKey(0), {arguments})\n"
    )


EIGHT_SCHOOLS_DATA = """
J = 8
y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
"""
DESIGN = """
rng = np.random.default_rng(0)
X = rng.normal(size=(30, 2))
"""
REGRESSION_DATA = DESIGN + "y = X @ np.array([1.0, -0.5]) + rng.normal(size=30)\n"
BINARY_DATA = DESIGN + "y = (X[:, 0] - X[:, 1] > 0).astype(np.int32)\n"
COUNT_DATA = DESIGN + "y = rng.poisson(np.exp(0.5 + 0.3 * X[:, 0]))\n"
SERIES = "y = np.cumsum(np.random.default_rng(0).normal(size=25)) * 0.3\n"
# Workflow snippets work on the linear-regression snippet's model and data.
REGRESSION = SNIPPETS["np_linreg"] + REGRESSION_DATA
FITTED_REGRESSION = REGRESSION + nuts("model", "X, y=y")
EIGHT_SCHOOLS_NUTS = nuts("eight_schools", "J, sigma, y=y")

HARNESSES = {
    "np_imports": Harness(after="names = (jnp, np, numpyro, dist, random, MCMC, NUTS, SVI)\n"),
    "np_x64": Harness(at_top=True, after=IMPORTS + "assert jnp.zeros(1).dtype == jnp.float64\n"),
    "np_chains": Harness(
        at_top=True,
        after=IMPORTS
        + REGRESSION
        + "import jax\n\nassert jax.local_device_count() == NUM_CHAINS\n"
        + "mcmc = MCMC(NUTS(model), num_warmup=20, num_samples=20, num_chains=NUM_CHAINS)\n"
        + "mcmc.run(random.PRNGKey(0), X, y=y)\n",
    ),
    "np_8schools": Harness(EIGHT_SCHOOLS_DATA, EIGHT_SCHOOLS_NUTS),
    "np_8schools_locscale": Harness(EIGHT_SCHOOLS_DATA, EIGHT_SCHOOLS_NUTS),
    "np_8schools_transform": Harness(EIGHT_SCHOOLS_DATA, EIGHT_SCHOOLS_NUTS),
    "np_linreg": Harness(REGRESSION_DATA, nuts("model", "X, y=y")),
    "np_logreg": Harness(BINARY_DATA, nuts("model", "X, y=y")),
    "np_poisson": Harness(COUNT_DATA, nuts("model", "X, y=y")),
    "np_varying_intercepts": Harness(
        "group = np.repeat(np.arange(4), 8)\n"
        "x = np.linspace(-1.0, 1.0, 32)\n"
        "y = np.array([0.0, 1.0, -1.0, 2.0])[group] + 0.5 * x\n",
        nuts("model", "x, group, 4, y=y"),
    ),
    "np_robust": Harness(
        "x = np.linspace(0.0, 1.0, 20)\ny = 1.0 + 2.0 * x\ny[3] = 15.0\n",
        nuts("model", "x, y=y"),
    ),
    "np_mixture": Harness(
        "data = np.array([-5.1, -4.9, -5.3, 0.1, 0.2, -0.1, 4.8, 5.2, 5.0])\n",
        nuts("model", "data") + 'assert "assignment" not in mcmc.get_samples()\n',
    ),
    "np_hmm": Harness(SERIES, nuts("model", "y")),
    "np_ar1": Harness(
        SERIES,
        nuts("model", "y=y")
        + 'simulated = Predictive(model, num_samples=3)(random.PRNGKey(1))["y"]\n'
        + "assert simulated.shape == (3, 100)\n",
    ),
    "np_gp": Harness(
        "X = np.linspace(-1.0, 1.0, 15)\ny = np.sin(3.0 * X)\n", nuts("model", "X, y=y")
    ),
    "np_horseshoe": Harness(REGRESSION_DATA, nuts("model", "X, y=y")),
    "np_zip": Harness(COUNT_DATA, nuts("model", "X, y=y")),
    "np_nuts": Harness(REGRESSION, 'assert potential_energy.shape == samples["sigma"].shape\n'),
    "np_svi": Harness(REGRESSION, 'assert posterior["beta"].shape == (1000, 2)\n'),
    "np_prior_predictive": Harness(REGRESSION, 'assert prior_draws["y"].shape == (500, 30)\n'),
    "np_posterior_predictive": Harness(
        FITTED_REGRESSION, "assert y_predicted.shape[1:] == y.shape\n"
    ),
    "np_shapes": Harness(REGRESSION, 'assert model_trace["y"]["value"].shape == (30,)\n'),
    "np_condition": Harness(
        REGRESSION,
        "conditioned_trace = numpyro.handlers.trace(\n"
        "    numpyro.handlers.seed(conditioned_model, rng_seed=0)\n"
        ").get_trace(X)\n"
        'assert conditioned_trace["y"]["is_observed"]\n',
    ),
    "np_substitute": Harness(
        REGRESSION,
        'assert simulated["sigma"]["value"] == 1.0\nassert y_simulated.shape == (30,)\n',
    ),
    "np_diagnostics": Harness(
        FITTED_REGRESSION,
        'assert divergences >= 0\nassert set(bad_sites) <= {"intercept", "beta", "sigma"}\n',
    ),
    "np_keys": Harness(after="assert not (key_inference == key_predictive).all()\n"),
    "np_sample": Harness(after="assert x.shape == ()\n"),
    "np_save_samples": Harness(
        FITTED_REGRESSION,
        'assert set(np.load("posterior_samples.npz")) == set(mcmc.get_samples())\n',
    ),
}


def program(prefix: str) -> str:
    harness = HARNESSES[prefix]
    if harness.at_top:
        return SNIPPETS[prefix] + "\n" + harness.after
    return "\n".join([IMPORTS, harness.before, SNIPPETS[prefix], harness.after])


def test_every_snippet_has_a_harness():
    assert HARNESSES.keys() == SNIPPETS.keys()


@pytest.mark.parametrize("prefix", SNIPPETS)
def test_snippet_program_has_no_findings(prefix):
    findings = check_source(program(prefix), CATALOG, EVERY_RULE)
    assert {f.code for f in findings} == EXPECTED_FINDINGS.get(prefix, set()), findings


@pytest.fixture(scope="module")
def run_results(tmp_path_factory, pytestconfig) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("snippet_programs")
    # XLA compilation dominates; JAX's own cache, in pytest's cache folder, spares the
    # compilations of an earlier run (none with -p no:cacheprovider).
    pytest_cache = getattr(pytestconfig, "cache", None)
    name = "jax-compilation"
    cache_folder = pytest_cache.mkdir(name) if pytest_cache else folder / name
    compilation_cache = {
        "JAX_COMPILATION_CACHE_DIR": str(cache_folder),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
    }
    # Device setup only takes effect before JAX runs anything: those programs go first.
    order = sorted(SNIPPETS, key=lambda prefix: "set_host_device_count" not in SNIPPETS[prefix])
    programs = [{"name": prefix, "source": program(prefix)} for prefix in order]
    (folder / "programs.json").write_text(json.dumps(programs))
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("snippet_runner.py")),
            str(folder / "programs.json"),
            str(folder / "results.json"),
        ],
        check=True,
        timeout=900,
        env={**os.environ, "JAX_PLATFORMS": "cpu", **compilation_cache},
    )
    return json.loads((folder / "results.json").read_text())


@pytest.mark.parametrize("prefix", SNIPPETS)
def test_snippet_program_runs(prefix, run_results):
    assert run_results[prefix]["error"] is None, run_results[prefix]["error"]
