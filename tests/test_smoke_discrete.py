"""A model with discrete latent sites that the file samples with ``DiscreteHMCGibbs``: the
smoke test samples it the same way (NUTS alone would enumerate them, which needs funsor and
fails on an unbounded support), and says so."""

from __future__ import annotations

import textwrap
import threading
import warnings

import pytest

from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.settings import SmokeSettings
from numpyro_lsp.smoke.loader import plan_run
from numpyro_lsp.smoke.pipeline import run_smoke_test
from numpyro_lsp.smoke.runner import SmokeRunner

CATALOG = load_catalog().catalog
SETTINGS = SmokeSettings(warmup=60, samples=60, chains=2, timeout_s=120)

# bdatko/numpyro_play's habit: the NUTS kernel in one name, DiscreteHMCGibbs around it in
# the next statement.
MIXTURE = textwrap.dedent(
    """\
    import numpy as np
    import numpyro
    import numpyro.distributions as dist
    from jax import random
    from numpyro.infer import MCMC, NUTS, DiscreteHMCGibbs


    def model(y):
        z = numpyro.sample("z", dist.Bernoulli(0.5))
        k = numpyro.sample("k", dist.Categorical(probs=np.ones(3) / 3))
        mu = numpyro.sample("mu", dist.Normal(0, 5))
        numpyro.sample("y", dist.Normal(mu + 3.0 * z + 0.1 * k, 1.0), obs=y)


    y = np.random.default_rng(0).normal(3.0, 1.0, size=30)
    nuts_kernel = NUTS(model)
    kernel = DiscreteHMCGibbs(nuts_kernel, modified=True)
    mcmc = MCMC(kernel, num_warmup=500, num_samples=500)
    mcmc.run(random.PRNGKey(0), y)
    """
)


def test_the_plan_takes_the_files_discrete_kernel_and_its_options():
    assert plan_run(MIXTURE, "/m.py", None, CATALOG).gibbs == {"modified": True}
    plain = MIXTURE.replace("DiscreteHMCGibbs(nuts_kernel, modified=True)", "nuts_kernel")
    assert plan_run(plain, "/m.py", None, CATALOG).gibbs is None
    default = MIXTURE.replace(", modified=True)", ")")
    assert plan_run(default, "/m.py", None, CATALOG).gibbs == {}


@pytest.fixture(scope="module")
def runner():
    runner = SmokeRunner()
    yield runner
    runner.close()


def test_a_model_the_file_samples_with_discrete_hmc_gibbs_is_smoke_tested_with_it(runner, tmp_path):
    path = tmp_path / "mixture.py"
    path.write_text(MIXTURE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = run_smoke_test(
            runner, MIXTURE, str(path), None, SETTINGS, CATALOG, threading.Event()
        )
    assert report.verdict in ("pass", "warn"), report.details
    assert set(report.sites) == {"z", "k", "mu"}
    assert "sampler: DiscreteHMCGibbs(NUTS(model), modified=True), as the file samples it" in (
        report.details
    )
    assert "invalid value encountered" not in report.details
