import numpyro
import numpyro.distributions as dist
from numpyro import handlers


def draw_weights(k):
    return numpyro.sample("w", dist.Normal(0.0, 1.0).expand([k]))


with handlers.seed(rng_seed=0):
    weights = draw_weights(3)
print(weights)
