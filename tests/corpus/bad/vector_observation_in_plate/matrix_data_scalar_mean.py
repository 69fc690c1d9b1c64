# expect: NPR018
# fails: ValueError: Incompatible shapes for broadcasting
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS

sensors = np.random.normal(20.0, 2.0, size=(40, 5))


def model(readings):
    level = numpyro.sample("level", dist.Normal(20.0, 10.0))
    noise = numpyro.sample("noise", dist.HalfNormal(5.0))
    with numpyro.plate("times", readings.shape[0]):
        numpyro.sample("readings", dist.Normal(level, noise), obs=readings)


mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
mcmc.run(random.PRNGKey(0), sensors)
