import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro import handlers


def latent_rates(groups, key):
    with numpyro.plate("groups", groups):
        return numpyro.sample("rate", dist.Gamma(2.0, 1.0), rng_key=key)


def log_likelihood_of(counts, rate):
    return numpyro.sample("counts", dist.Poisson(rate), obs=counts)


def simulate(groups, days):
    with handlers.seed(rng_seed=0):
        rates = latent_rates(groups, None)
    return jnp.outer(rates, jnp.ones(days))


def main():
    expected = simulate(4, 7)
    rates = latent_rates(4, random.PRNGKey(1))
    log_likelihood_of(jnp.array([1, 2]), 2.0)
    print(expected.sum(), rates)


if __name__ == "__main__":
    main()
