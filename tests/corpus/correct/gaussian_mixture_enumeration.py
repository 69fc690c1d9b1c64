import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.contrib.funsor import config_enumerate
from numpyro.infer import SVI, TraceEnum_ELBO
from numpyro.infer.autoguide import AutoDelta
from numpyro.optim import Adam

K = 2


@config_enumerate
def model(data):
    weights = numpyro.sample("weights", dist.Dirichlet(0.5 * jnp.ones(K)))
    scale = numpyro.sample("scale", dist.LogNormal(0.0, 2.0))
    with numpyro.plate("components", K):
        locs = numpyro.sample("locs", dist.Normal(0.0, 10.0))
    with numpyro.plate("data", len(data)):
        assignment = numpyro.sample("assignment", dist.Categorical(weights))
        numpyro.sample("obs", dist.Normal(locs[assignment], scale), obs=data)


if __name__ == "__main__":
    data = np.array([0.0, 1.0, 10.0, 11.0, 12.0])
    guide = AutoDelta(numpyro.handlers.block(model, hide=["assignment"]))
    svi = SVI(model, guide, Adam(0.05), TraceEnum_ELBO())
    result = svi.run(random.PRNGKey(0), 200, data, progress_bar=False)
