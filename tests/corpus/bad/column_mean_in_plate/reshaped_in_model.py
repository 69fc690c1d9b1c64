# expect: NPR018
# fails: AssertionError: likelihood broadcasts
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro import handlers


def model(age, height=None):
    intercept = numpyro.sample("intercept", dist.Normal(150.0, 20.0))
    growth = numpyro.sample("growth", dist.Normal(5.0, 2.0))
    mean = intercept + growth * age.reshape(-1, 1)
    with numpyro.plate("children", len(age)):
        numpyro.sample("height", dist.Normal(mean, 5.0), obs=height)


age = np.arange(2.0, 12.0)
trace = handlers.trace(handlers.seed(model, rng_seed=0)).get_trace(age, 80.0 + 6.0 * age)
assert trace["height"]["fn"].batch_shape == (10,), "the likelihood broadcasts to (n, n)"
