import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS
from numpyro.infer.reparam import LocScaleReparam


@numpyro.handlers.reparam(config={"alpha": LocScaleReparam(centered=0)})
def model(group, n_groups, y=None):
    mu_alpha = numpyro.sample("mu_alpha", dist.Normal(0.0, 5.0))
    sigma_alpha = numpyro.sample("sigma_alpha", dist.HalfNormal(2.0))
    with numpyro.plate("groups", n_groups):
        alpha = numpyro.sample("alpha", dist.Normal(mu_alpha, sigma_alpha))
    sigma = numpyro.sample("sigma", dist.Exponential(1.0))
    with numpyro.plate("data", len(group)):
        numpyro.sample("y", dist.Normal(alpha[group], sigma), obs=y)


if __name__ == "__main__":
    rng = np.random.default_rng(3)
    group = rng.integers(0, 4, size=80)
    y = rng.normal(size=4)[group] + rng.normal(size=80)
    mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
    mcmc.run(random.PRNGKey(0), group, 4, y=y)
