import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import Predictive


def model(n, y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 10**0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
    with numpyro.plate("n", n):
        numpyro.sample("y", dist.Normal(mu, sigma), obs=y)


prior = Predictive(model, num_samples=500)(random.PRNGKey(0), 20)
assert float(prior["y"].std()) < 100, "prior predictive far wider than any plausible data"
