# expect: NPR018
# fails: AssertionError: likelihood broadcasts
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro import handlers

X = np.random.normal(size=(30, 2))
y = X @ np.array([1.0, -2.0]) + np.random.normal(size=30)


def model(X, y=None):
    beta = numpyro.sample("beta", dist.Normal(0.0, 1.0).expand([2, 1]).to_event(2))
    with numpyro.plate("rows", X.shape[0]):
        numpyro.sample("y", dist.Normal(X @ beta, 1.0), obs=y)


trace = handlers.trace(handlers.seed(model, rng_seed=0)).get_trace(X, y)
assert trace["y"]["fn"].batch_shape == (30,), "the likelihood broadcasts to (n, n)"
