import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS, init_to_median


def rbf_kernel(X, Z, variance, length, noise, jitter=1.0e-6, include_noise=True):
    deltas = jnp.power((X[:, None] - Z) / length, 2.0)
    k = variance * jnp.exp(-0.5 * deltas)
    if include_noise:
        k += (noise + jitter) * jnp.eye(X.shape[0])
    return k


def model(X, Y):
    variance = numpyro.sample("kernel_var", dist.LogNormal(0.0, 1.0))
    length = numpyro.sample("kernel_length", dist.LogNormal(0.0, 1.0))
    noise = numpyro.sample("kernel_noise", dist.LogNormal(0.0, 1.0))
    k = rbf_kernel(X, X, variance, length, noise)
    numpyro.sample(
        "Y",
        dist.MultivariateNormal(loc=jnp.zeros(X.shape[0]), covariance_matrix=k),
        obs=Y,
    )


if __name__ == "__main__":
    X = np.linspace(-1.0, 1.0, 20)
    Y = np.sin(3.0 * X) + 0.1 * np.random.default_rng(5).normal(size=20)
    kernel = NUTS(model, init_strategy=init_to_median(num_samples=10))
    mcmc = MCMC(kernel, num_warmup=50, num_samples=50, progress_bar=False)
    mcmc.run(random.PRNGKey(0), X, Y)
