import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import SVI, Predictive, TraceMeanField_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.optim import Adam


def model(t, obs=None):
    rate = numpyro.sample("rate", dist.LogNormal(0.0, 1.0))
    with numpyro.plate("time", t.shape[0]):
        numpyro.sample("obs", dist.Poisson(rate * t), obs=obs)


t = np.arange(1.0, 21.0)
counts = np.random.default_rng(4).poisson(0.7 * t)
guide = AutoNormal(model)
svi = SVI(model, guide, Adam(0.05), TraceMeanField_ELBO())
svi_result = svi.run(random.PRNGKey(0), 300, t, obs=counts)
# The guide's own draws: a guide has no observed sites, so passing the data is harmless.
rates = Predictive(guide, params=svi_result.params, num_samples=100)(
    random.PRNGKey(1), t, obs=counts
)["rate"]
assert rates.std() > 0
