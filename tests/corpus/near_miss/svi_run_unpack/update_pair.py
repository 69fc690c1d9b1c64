import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import SVI, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.optim import Adam


def model(y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
    with numpyro.plate("n", 25):
        numpyro.sample("y", dist.Normal(mu, 1.0), obs=y)


class Runner:
    def run(self, steps):
        return steps, [0.0] * steps


y = np.random.default_rng(2).normal(3.0, 1.0, size=25)
svi = SVI(model, AutoNormal(model), Adam(0.05), Trace_ELBO())
state = svi.init(random.PRNGKey(2), y=y)
for _ in range(50):
    state, loss = svi.update(state, y=y)
params = svi.get_params(state)
steps, losses = Runner().run(3)
