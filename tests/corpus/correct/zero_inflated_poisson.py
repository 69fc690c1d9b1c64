import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from jax.nn import sigmoid
from numpyro.infer import MCMC, NUTS


def model(x, counts=None):
    gate_logit = numpyro.sample("gate_logit", dist.Normal(0.0, 1.0))
    log_rate = numpyro.sample("log_rate", dist.Normal(0.0, 1.0))
    coefficient = numpyro.sample("coefficient", dist.Normal(0.0, 0.5))
    rate = np.exp(1.0) ** (log_rate + coefficient * x)
    with numpyro.plate("observations", x.shape[0]):
        numpyro.sample(
            "counts",
            dist.ZeroInflatedPoisson(gate=sigmoid(gate_logit), rate=rate),
            obs=counts,
        )


if __name__ == "__main__":
    rng = np.random.default_rng(8)
    x = rng.normal(size=50)
    counts = rng.poisson(2.0, size=50) * (rng.uniform(size=50) > 0.3)
    mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
    mcmc.run(random.PRNGKey(0), x, counts=counts)
