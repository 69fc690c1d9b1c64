"""Shapes read from the code (analysis/shapes.py): what the file shows, and nothing when it
does not show it."""

from __future__ import annotations

import ast
import textwrap

import pytest

from numpyro_lsp.analysis.models import analyze_module
from numpyro_lsp.analysis.shapes import Shapes
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path

CATALOG = read_catalog(shipped_catalog_path())
SOURCE = textwrap.dedent(
    """\
    import jax.numpy as jnp
    import numpy as np
    import numpyro
    import numpyro.distributions as dist
    from jax import random
    from numpyro.infer import MCMC, NUTS

    N, K = 50, 3
    SHAPE = (N, 1)
    X = np.random.normal(size=(N, K))
    column = jnp.linspace(0.0, 1.0, N)[:, None]


    def model(X, x, size, y=None):
        w = numpyro.sample("w", dist.Normal(0.0, 1.0).expand([K]).to_event(1))
        c = numpyro.sample("c", dist.MultivariateNormal(jnp.zeros(K), jnp.eye(K)))
        unknown = numpyro.sample("unknown", dist.Normal(0.0, 1.0).expand([size]))
        mean = X @ w
        probe = (
            mean,
            X @ w[:, None],
            x.reshape(-1, 1),
            jnp.exp(x)[..., None],
            c,
            unknown,
            jnp.zeros(SHAPE),
            jnp.zeros(size),
            random.normal(random.PRNGKey(0), X.shape),
            X[:, 0],
            X.T,
            x,
            y,
        )


    mcmc = MCMC(NUTS(model), num_warmup=1, num_samples=1)
    mcmc.run(random.PRNGKey(0), X, jnp.arange(N), 7)
    """
)
EXPECTED = [
    (50,),
    (50, 1),
    (None, 1),
    (50, 1),
    (3,),
    (None,),
    (50, 1),
    None,
    (50, 3),
    (50,),
    (3, 50),
    (50,),
    None,
]


@pytest.fixture(scope="module")
def probes():
    analysis = analyze_module(ast.parse(SOURCE), CATALOG)
    model = analysis.function("model")
    probe = model.assignments["probe"]
    return Shapes(analysis, model), probe.elts


@pytest.mark.parametrize("index", range(len(EXPECTED)))
def test_shape_of(probes, index):
    shapes, elements = probes
    assert shapes.of(elements[index]) == EXPECTED[index], ast.unparse(elements[index])
