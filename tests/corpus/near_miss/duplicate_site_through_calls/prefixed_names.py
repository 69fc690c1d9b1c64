import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS


def group_effects(prefix, n):
    scale = numpyro.sample(f"{prefix}_scale", dist.HalfNormal(1.0))
    with numpyro.plate(f"{prefix}_members", n):
        return numpyro.sample(f"{prefix}_effect", dist.Normal(0.0, scale))


def model(treated, control):
    effect_t = group_effects("treated", len(treated))
    effect_c = group_effects("control", len(control))
    numpyro.sample("t", dist.Normal(effect_t, 1.0).to_event(1), obs=treated)
    numpyro.sample("c", dist.Normal(effect_c, 1.0).to_event(1), obs=control)


rng = np.random.default_rng(0)
mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
mcmc.run(random.PRNGKey(0), rng.normal(1.0, 1.0, 5), rng.normal(0.0, 1.0, 6))
