import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist


def funnel(dim=10):
    y = numpyro.sample("y", dist.Normal(0.0, 3.0))
    with numpyro.plate("dims", dim):
        numpyro.sample("x", dist.Normal(0.0, jnp.exp(y / 2)))


ARGS = ()
