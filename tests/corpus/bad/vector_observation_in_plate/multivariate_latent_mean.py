# expect: NPR018
# fails: ValueError: Incompatible shapes for broadcasting
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import SVI, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.optim import Adam

DIMENSIONS = 4


def model(points):
    center = numpyro.sample(
        "center", dist.MultivariateNormal(jnp.zeros(DIMENSIONS), 10.0 * jnp.eye(DIMENSIONS))
    )
    scale = numpyro.sample("scale", dist.HalfNormal(1.0))
    with numpyro.plate("points", len(points)):
        numpyro.sample("obs", dist.Normal(center, scale), obs=points)


points = 1.5 + random.normal(random.PRNGKey(2), (30, DIMENSIONS))
svi = SVI(model, AutoNormal(model), Adam(0.05), Trace_ELBO())
svi.run(random.PRNGKey(0), 100, points)
