# expect: NPR018
# fails: ValueError: Incompatible shapes for broadcasting
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS

N, K = 50, 3
Y = random.normal(random.PRNGKey(1), (N, K)) + 2.0


def model(Y):
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0).expand([K]).to_event(1))
    with numpyro.plate("rows", Y.shape[0]):
        numpyro.sample("y", dist.Normal(mu, 1.0), obs=Y)


mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50, progress_bar=False)
mcmc.run(random.PRNGKey(0), Y)
