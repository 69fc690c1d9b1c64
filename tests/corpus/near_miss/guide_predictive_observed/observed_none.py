import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import SVI, Predictive, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.optim import Adam


def model(x, y=None):
    slope = numpyro.sample("slope", dist.Normal(0.0, 1.0))
    noise = numpyro.sample("noise", dist.HalfNormal(1.0))
    with numpyro.plate("points", x.shape[0]):
        numpyro.sample("y", dist.Normal(slope * x, noise), obs=y)


x = np.linspace(-1.0, 1.0, 30)
y = 2.0 * x + np.random.default_rng(0).normal(size=30)
guide = AutoNormal(model)
svi = SVI(model, guide, Adam(0.05), Trace_ELBO())
result = svi.run(random.PRNGKey(0), 300, x, y)
forecast = Predictive(model, guide=guide, params=result.params, num_samples=200)(
    random.PRNGKey(1), x, y=None
)["y"]
lower, upper = np.percentile(forecast, [5, 95], axis=0)
assert (upper - lower).min() > 0, "the forecast intervals have zero width"
