# expect: NPR019
# fails: AssertionError: prior predictive
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import Predictive


def model(n, y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 100**2))
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
    with numpyro.plate("n", n):
        numpyro.sample("y", dist.Normal(mu, sigma), obs=y)


prior = Predictive(model, num_samples=500)(random.PRNGKey(0), 20)
# Heights in metres: a prior predictive spread beyond 100 is no prior belief at all.
assert float(prior["y"].std()) < 100, "prior predictive far wider than any plausible data"
