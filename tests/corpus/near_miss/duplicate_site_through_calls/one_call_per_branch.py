import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro import handlers
from numpyro.infer import SVI, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.optim import Adam


def noise_scale(wide):
    return numpyro.sample("sigma", dist.HalfNormal(5.0 if wide else 1.0))


def model(x, y=None, robust=False):
    slope = numpyro.sample("slope", dist.Normal(0.0, 1.0))
    if robust:
        sigma = noise_scale(True)
        df = numpyro.sample("df", dist.Gamma(2.0, 0.1))
    else:
        sigma = noise_scale(False)
        df = 1000.0
    with numpyro.plate("data", x.shape[0]):
        numpyro.sample("y", dist.StudentT(df, slope * x, sigma), obs=y)


def plain_model(x, y=None, wide=False):
    slope = numpyro.sample("slope", dist.Normal(0.0, 1.0))
    sigma = noise_scale(True) if wide else noise_scale(False)
    with numpyro.plate("data", x.shape[0]):
        numpyro.sample("y", dist.Normal(slope * x, sigma), obs=y)


x = np.linspace(0.0, 1.0, 20)
svi = SVI(model, AutoNormal(model), Adam(0.01), Trace_ELBO())
svi.run(random.PRNGKey(0), 100, x, 2.0 * x)
handlers.trace(handlers.seed(plain_model, rng_seed=0)).get_trace(x, wide=True)
