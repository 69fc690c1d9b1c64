import numpyro.distributions as dist
from jax import random

keys = random.split(random.PRNGKey(3), 4)
prior = dist.Gamma(2.0, 1.0)
datasets = [prior.sample(k, (20,)) for k in keys]
assert len({float(d.sum()) for d in datasets}) == 4
noise = [random.normal(keys[i], (3,)) for i in range(4)]
