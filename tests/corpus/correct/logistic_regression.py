import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS, Predictive


def model(X, y=None):
    k = X.shape[1]
    w = numpyro.sample("w", dist.Normal(0.0, 1.0).expand([k]).to_event(1))
    b = numpyro.sample("b", dist.Normal(0.0, 2.5))
    logits = numpyro.deterministic("logits", X @ w + b)
    with numpyro.plate("obs", X.shape[0]):
        numpyro.sample("y", dist.Bernoulli(logits=logits), obs=y)


if __name__ == "__main__":
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] - X[:, 1] > 0).astype(np.int32)
    rng_key, rng_key_predict = random.split(random.PRNGKey(0))
    mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
    mcmc.run(rng_key, X, y=y)
    predictive = Predictive(model, mcmc.get_samples())
    probabilities = jnp.mean(predictive(rng_key_predict, X)["y"], axis=0)
