import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS


def model(X, y=None):
    n, k = X.shape
    intercept = numpyro.sample("intercept", dist.Normal(0.0, 10.0))
    beta = numpyro.sample("beta", dist.Normal(jnp.zeros(k), 1.0).to_event(1))
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
    mean = intercept + jnp.dot(X, beta)
    if y is not None and y.shape[0] != n:
        raise ValueError("X and y differ in length")
    with numpyro.plate("data", n):
        numpyro.sample("y", dist.Normal(mean, sigma), obs=y)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=50)
    mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
    mcmc.run(random.PRNGKey(0), X, y=y)
