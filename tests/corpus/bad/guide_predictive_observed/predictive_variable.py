# expect: NPR017
# fails: AssertionError: zero width
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import SVI, Predictive, Trace_ELBO
from numpyro.infer.autoguide import AutoDiagonalNormal
from numpyro.optim import Adam


def model(week, sales=None):
    level = numpyro.sample("level", dist.Normal(10.0, 5.0))
    trend = numpyro.sample("trend", dist.Normal(0.0, 1.0))
    with numpyro.plate("weeks", len(week)):
        numpyro.sample("sales", dist.Normal(level + trend * week, 1.0), obs=sales)


def forecast(week, sales):
    guide = AutoDiagonalNormal(model)
    svi = SVI(model, guide, Adam(0.05), Trace_ELBO())
    params = svi.run(random.PRNGKey(0), 500, week, sales).params
    predictive = Predictive(model, guide=guide, params=params, num_samples=100)
    return predictive(random.PRNGKey(1), week, sales=sales)["sales"]


week = np.arange(12.0)
draws = forecast(week, 10.0 + 0.5 * week + np.random.default_rng(3).normal(size=12))
assert draws.std(axis=0).min() > 0, "the forecast has zero width"
