# expect: NPR021
# fails: ValueError: too many values to unpack
import numpy as np
import numpyro
import numpyro.distributions as dist
import numpyro.infer
import numpyro.optim
from jax import random
from numpyro.infer.autoguide import AutoNormal


def model(y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
    with numpyro.plate("n", 25):
        numpyro.sample("y", dist.Normal(mu, 1.0), obs=y)


y = np.random.default_rng(2).normal(3.0, 1.0, size=25)
guide = AutoNormal(model)
params, losses = numpyro.infer.SVI(
    model, guide, numpyro.optim.Adam(0.05), numpyro.infer.Trace_ELBO()
).run(random.PRNGKey(2), 100, y=y)
print(params["mu_auto_loc"], losses[-1])
