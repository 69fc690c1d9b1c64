"""Quiet on other people's correct code: each class of false finding seen on real NumPyro
projects (issue 15), as a small program that must stay silent, next to the true case that
must still be reported."""

from __future__ import annotations

import textwrap

from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules.base import Severity
from numpyro_lsp.rules.engine import check_source

CATALOG = read_catalog(shipped_catalog_path())

HEADER = """\
import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro import handlers
from numpyro.infer import MCMC, NUTS, Predictive
"""


def findings(body: str, *, header: bool = True) -> list[tuple[int, str]]:
    """(line in ``body``, code) of each finding at warning or above."""
    source = (HEADER if header else "") + textwrap.dedent(body)
    offset = HEADER.count("\n") if header else 0
    return [
        (f.span.line - offset, f.code)
        for f in check_source(source, CATALOG)
        if f.severity >= Severity.WARNING
    ]


def codes(body: str, **kwargs) -> set[str]:
    return {code for _, code in findings(body, **kwargs)}


# --- names ---------------------------------------------------------------------------


def test_module_dunders_are_not_unknown_names():
    assert codes("print(numpyro.__version__, numpyro.__file__, dist.__name__)\n") == set()
    assert codes("prior = dist.Normall(0.0, 1.0)\n") == {"NPR009"}


def test_star_import_binds_names():
    body = """\
    from mypackage.distributions import *

    prior = LogitNormal(0.0, 1.0)
    """
    assert "NPR009" not in codes(body, header=False)
    assert codes("prior = LogitNormal(0.0, 1.0)\n", header=False) == {"NPR009"}


def test_function_local_imports_bind_in_their_function_alone():
    body = """\
    def pyro_model(y):
        import pyro
        import pyro.distributions as dist

        mu = pyro.sample("mu", dist.Normal(0, 5))
        pyro.sample("obs", dist.Normal(mu, 1), obs=y)


    def run_pyro(y):
        from pyro.infer import MCMC, NUTS

        MCMC(NUTS(pyro_model, jit_compile=True), num_samples=10, warmup_steps=10).run(y)


    def numpyro_model(y):
        import numpyro
        import numpyro.distributions as dist

        mu = numpyro.sample("mu", dist.Normal(0, 5))
        numpyro.sample("obs", dist.Normal(mu, 1), obs=y)


    def run_numpyro(y):
        from jax.random import PRNGKey
        from numpyro.infer import MCMC, NUTS

        MCMC(NUTS(numpyro_model), num_warmup=10, num_samples=10).run(PRNGKey(0), y)
    """
    assert findings(body, header=False) == []


def test_parameter_hides_a_module_import():
    body = """\
    from numpyro import optim


    def step(opt_state, optim):
        params = optim.get_params(opt_state)
        return optim.update(params, opt_state)
    """
    assert findings(body, header=False) == []
    assert codes("from numpyro import optim\nparams = optim.get_params(3)\n") == {"NPR009"}
