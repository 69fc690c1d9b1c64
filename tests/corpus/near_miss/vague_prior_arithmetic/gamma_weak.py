import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import Predictive


def model(n, y=None):
    precision = numpyro.sample("precision", dist.Gamma(2**1, 1 / 2))
    with numpyro.plate("n", n):
        numpyro.sample("y", dist.Normal(0.0, 1.0 / jnp.sqrt(precision)), obs=y)


prior = Predictive(model, num_samples=500)(random.PRNGKey(0), 20)
assert float(jnp.median(jnp.abs(prior["y"]))) < 100, "prior predictive far wider than the data"
