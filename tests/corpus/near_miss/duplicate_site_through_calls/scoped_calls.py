import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro import handlers
from numpyro.infer import MCMC, NUTS


def coefficient():
    return numpyro.sample("beta", dist.Normal(0.0, 1.0))


def model(X, y=None):
    mean = 0.0
    for k in range(X.shape[1]):
        with handlers.scope(prefix=f"x{k}"):
            mean = mean + coefficient() * X[:, k]
    with numpyro.plate("data", X.shape[0]):
        numpyro.sample("y", dist.Normal(mean, 1.0), obs=y)


X = np.random.default_rng(1).normal(size=(20, 3))
mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
mcmc.run(random.PRNGKey(0), X, X @ np.array([1.0, -1.0, 0.5]))
