import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.contrib.control_flow import scan
from numpyro.infer import MCMC, NUTS


def model(y=None, T=20):
    phi = numpyro.sample("phi", dist.Uniform(-1.0, 1.0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
    y0 = numpyro.sample("y0", dist.Normal(0.0, 1.0))

    def transition(y_prev, y_t):
        mean = phi * y_prev
        y_curr = numpyro.sample("y", dist.Normal(mean, sigma), obs=y_t)
        return y_curr, y_curr

    timesteps = T if y is None else len(y)
    observations = None if y is None else jnp.asarray(y)
    scan(transition, y0, observations, length=timesteps)


if __name__ == "__main__":
    rng = np.random.default_rng(4)
    series = np.cumsum(rng.normal(size=30)) * 0.1
    mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
    mcmc.run(random.PRNGKey(0), y=series)
