# expect: NPR017
# fails: AssertionError: zero width
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
predictive = Predictive(model, guide=guide, params=svi_result.params, num_samples=100)
posterior_predictive = predictive(random.PRNGKey(1), t, obs=counts)
spread = np.percentile(posterior_predictive["obs"], 95, axis=0) - np.percentile(
    posterior_predictive["obs"], 5, axis=0
)
assert spread.max() > 0, "the predictive intervals have zero width"
