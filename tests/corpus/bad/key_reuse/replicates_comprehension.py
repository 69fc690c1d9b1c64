# expect: NPR015
# fails: AssertionError: identical replicates
import numpyro.distributions as dist
from jax import random

key = random.PRNGKey(3)
prior = dist.Gamma(2.0, 1.0)
datasets = [prior.sample(key, (20,)) for _ in range(4)]
assert len({float(d.sum()) for d in datasets}) > 1, "identical replicates"
