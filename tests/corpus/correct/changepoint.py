import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS


def model(counts):
    T = len(counts)
    early = numpyro.sample("early_rate", dist.Exponential(1.0))
    late = numpyro.sample("late_rate", dist.Exponential(1.0))
    switch = numpyro.sample("switch", dist.Uniform(0, T))
    rate = jnp.where(jnp.arange(T) < switch, early, late)
    with numpyro.plate("years", T):
        numpyro.sample("counts", dist.Poisson(rate), obs=counts)


if __name__ == "__main__":
    counts = np.array([4, 5, 4, 1, 0, 4, 3, 4, 0, 6, 3, 1, 1, 0, 0, 1, 0, 1])
    mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
    mcmc.run(random.PRNGKey(0), counts)
