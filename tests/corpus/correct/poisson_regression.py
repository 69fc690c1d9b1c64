import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS

EXPOSURE = np.log(np.linspace(1.0, 5.0, 40))


def model(x, offset, counts=None):
    alpha = numpyro.sample("alpha", dist.Normal(0.0, 1.0))
    beta = numpyro.sample("beta", dist.Normal(0.0, 0.5))
    rate = jnp.exp(alpha + beta * x + offset)
    with numpyro.plate("n", len(x)):
        numpyro.sample("counts", dist.Poisson(rate), obs=counts)


if __name__ == "__main__":
    rng = np.random.default_rng(2)
    x = rng.normal(size=40)
    counts = rng.poisson(np.exp(0.3 + 0.2 * x + EXPOSURE))
    mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
    mcmc.run(random.PRNGKey(0), x, EXPOSURE, counts=counts)
