# expect: NPR015
# fails: AssertionError: arms are correlated
import numpy as np
import numpyro.distributions as dist
from jax import random


def simulate_ab(key, n):
    clicks_a = dist.Bernoulli(probs=0.10).sample(key, (n,))
    clicks_b = dist.Bernoulli(probs=0.12).sample(key, (n,))
    return clicks_a, clicks_b


a, b = simulate_ab(random.PRNGKey(0), 5000)
assert abs(np.corrcoef(a, b)[0, 1]) < 0.2, "the arms are correlated: one user clicks in both"
