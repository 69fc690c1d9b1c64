import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import SVI, Trace_ELBO
from numpyro.infer.autoguide import AutoDiagonalNormal
from numpyro.optim import Adam


def model(counts=None):
    rate = numpyro.sample("rate", dist.Gamma(2.0, 1.0))
    with numpyro.plate("days", 30):
        numpyro.sample("counts", dist.Poisson(rate), obs=counts)


def fit(counts, steps=300):
    guide = AutoDiagonalNormal(model)
    svi = SVI(model, guide, Adam(0.01), loss=Trace_ELBO())
    result = svi.run(random.PRNGKey(1), steps, counts)
    return guide, result.params, result.losses


if __name__ == "__main__":
    fit(np.random.default_rng(1).poisson(4.0, size=30))
