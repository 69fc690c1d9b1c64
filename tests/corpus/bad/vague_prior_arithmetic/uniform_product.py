# expect: NPR019
# fails: AssertionError: prior predictive
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import Predictive


def model(n, y=None):
    mu = numpyro.sample("mu", dist.Uniform(-10 * 100, 10 * 100))
    with numpyro.plate("n", n):
        numpyro.sample("y", dist.Normal(mu, 1.0), obs=y)


prior = Predictive(model, num_samples=500)(random.PRNGKey(0), 20)
assert float(prior["y"].std()) < 100, "prior predictive far wider than the data"
