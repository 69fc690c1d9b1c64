# expect: NPR022
# fails: AssertionError
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist


def latent_rates(groups):
    with numpyro.plate("groups", groups):
        return numpyro.sample("rate", dist.Gamma(2.0, 1.0))


def simulate(groups, days):
    rates = latent_rates(groups)
    return jnp.outer(rates, jnp.ones(days))


def main():
    expected = simulate(4, 7)
    print(expected.sum())


if __name__ == "__main__":
    main()
