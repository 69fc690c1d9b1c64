# expect: NPR006
# fails: AssertionError: all sites must have unique names
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import SVI, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.optim import Adam


def noise_scale():
    return numpyro.sample("sigma", dist.HalfNormal(1.0))


def model(x, y=None):
    sigma = numpyro.sample("sigma", dist.HalfNormal(5.0))
    slope = numpyro.sample("slope", dist.Normal(0.0, sigma))
    with numpyro.plate("data", x.shape[0]):
        numpyro.sample("y", dist.Normal(slope * x, noise_scale()), obs=y)


x = np.linspace(0.0, 1.0, 20)
svi = SVI(model, AutoNormal(model), Adam(0.01), Trace_ELBO())
svi.run(random.PRNGKey(0), 100, x, 2.0 * x)
