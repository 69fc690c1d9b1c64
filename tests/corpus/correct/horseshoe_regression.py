import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS

numpyro.set_host_device_count(2)


def model(X, y=None):
    D = X.shape[1]
    tau = numpyro.sample("tau", dist.HalfCauchy(1.0))
    with numpyro.plate("features", D):
        lam = numpyro.sample("lambda", dist.HalfCauchy(1.0))
        unscaled = numpyro.sample("unscaled_beta", dist.Normal(0.0, 1.0))
    beta = numpyro.deterministic("beta", tau * lam * unscaled)
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
    with numpyro.plate("data", X.shape[0]):
        numpyro.sample("y", dist.Normal(jnp.dot(X, beta), sigma), obs=y)


if __name__ == "__main__":
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 5))
    y = X[:, 0] * 2.0 + rng.normal(size=40)
    mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, num_chains=2, progress_bar=False)
    mcmc.run(random.PRNGKey(0), X, y=y)
