import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import SVI, Predictive, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.optim import Adam


def model(x, y=None):
    slope = numpyro.sample("slope", dist.Normal(0.0, 1.0))
    noise = numpyro.sample("noise", dist.HalfNormal(1.0))
    with numpyro.plate("points", x.shape[0]):
        numpyro.sample("y", dist.Normal(slope * x, noise), obs=y)


if __name__ == "__main__":
    rng = np.random.default_rng(6)
    x = rng.normal(size=30)
    y = 2.0 * x + rng.normal(size=30)
    rng_key, key_svi, key_guide, key_prior, key_post = random.split(random.PRNGKey(0), 5)
    prior = Predictive(model, num_samples=100)(key_prior, x)
    guide = AutoNormal(model)
    svi = SVI(model, guide, Adam(0.05), Trace_ELBO())
    result = svi.run(key_svi, 300, x, y, progress_bar=False)
    posterior = guide.sample_posterior(key_guide, result.params, sample_shape=(100,))
    predictions = Predictive(model, posterior_samples=posterior)(key_post, x)["y"]
