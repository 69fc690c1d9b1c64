import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro import handlers
from numpyro.infer import Predictive


def model(x, y=None):
    intercept = numpyro.sample("intercept", dist.Normal(0.0, 1.0))
    slope = numpyro.sample("slope", dist.Normal(0.0, 1.0))
    with numpyro.plate("points", x.shape[0]):
        return numpyro.sample("y", dist.Normal(intercept + slope * x, 1.0), obs=y)


x = np.linspace(0.0, 1.0, 10)
prior_curves = Predictive(model, num_samples=50)(random.PRNGKey(0), x)["y"]
one_curve = handlers.seed(model, rng_seed=1)(x)
trace = handlers.trace(handlers.seed(model, rng_seed=2)).get_trace(x)
