import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS


def model(data):
    weights = numpyro.sample("weights", dist.Dirichlet(np.ones(2)))
    locs = numpyro.sample("locs", dist.Normal(np.array([-2.0, 2.0]), 1.0).to_event(1))
    with numpyro.plate("data", len(data)):
        z = numpyro.sample("z", dist.Categorical(weights), infer={"enumerate": "parallel"})
        numpyro.sample("obs", dist.Normal(locs[z], 1.0), obs=data)


if __name__ == "__main__":
    data = np.array([-2.1, -1.9, 2.2, 1.8, 2.0])
    mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
    mcmc.run(random.PRNGKey(0), data)
