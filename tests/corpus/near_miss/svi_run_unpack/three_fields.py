import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import SVI, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.optim import Adam


def model(x, y=None):
    slope = numpyro.sample("slope", dist.Normal(0.0, 1.0))
    with numpyro.plate("points", x.shape[0]):
        numpyro.sample("y", dist.Normal(slope * x, 1.0), obs=y)


x = np.linspace(-1.0, 1.0, 20)
y = 2.0 * x + np.random.default_rng(0).normal(size=20)
svi = SVI(model, AutoNormal(model), Adam(0.05), Trace_ELBO())
params, state, losses = svi.run(random.PRNGKey(0), 200, x, y)
