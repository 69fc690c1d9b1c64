# expect: NPR018
# fails: AssertionError: likelihood broadcasts
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro import handlers

x = jnp.linspace(0.0, 1.0, 20)[:, None]
y = 3.0 * x[:, 0] + 0.1 * random.normal(random.PRNGKey(2), (20,))


def model(x, y=None):
    slope = numpyro.sample("slope", dist.Normal(0.0, 5.0))
    with numpyro.plate("points", x.shape[0]):
        numpyro.sample("y", dist.Normal(slope * x, 1.0), obs=y)


trace = handlers.trace(handlers.seed(model, rng_seed=0)).get_trace(x, y)
assert trace["y"]["fn"].batch_shape == (20,), "the likelihood broadcasts to (n, n)"
