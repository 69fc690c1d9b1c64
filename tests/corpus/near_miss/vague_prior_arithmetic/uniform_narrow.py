import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import Predictive

WIDTH = 10


def model(n, y=None):
    mu = numpyro.sample("mu", dist.Uniform(-2 * 5, 2 * 5))
    scale = numpyro.sample("scale", dist.HalfNormal(WIDTH * 2))
    with numpyro.plate("n", n):
        numpyro.sample("y", dist.Normal(mu, scale), obs=y)


prior = Predictive(model, num_samples=500)(random.PRNGKey(0), 20)
assert float(prior["y"].std()) < 100, "prior predictive far wider than the data"
