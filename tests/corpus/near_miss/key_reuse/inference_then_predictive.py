import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS, Predictive


def model(x, y=None):
    slope = numpyro.sample("slope", dist.Normal(0.0, 1.0))
    with numpyro.plate("points", x.shape[0]):
        numpyro.sample("y", dist.Normal(slope * x, 1.0), obs=y)


x = np.linspace(-1.0, 1.0, 20)
y = 2.0 * x + np.random.default_rng(0).normal(size=20)
rng_key = random.PRNGKey(0)
mcmc = MCMC(NUTS(model), num_warmup=100, num_samples=100, progress_bar=False)
mcmc.run(rng_key, x, y)
# numpyro's docs hand the same key on to Predictive: a different computation, not a bug.
predictions = Predictive(model, mcmc.get_samples())(rng_key, x)["y"]
assert predictions.shape[1] == 20
