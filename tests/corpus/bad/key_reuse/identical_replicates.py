# expect: NPR015
# fails: AssertionError: identical replicates
import jax.numpy as jnp
from jax import random


def replicate_means(rng_key, replicates, n):
    means = []
    for _ in range(replicates):
        draws = random.normal(rng_key, (n,))
        means.append(float(jnp.mean(draws)))
    return means


means = replicate_means(random.PRNGKey(1), 5, 100)
assert len(set(means)) > 1, "identical replicates: the spread of the estimator is zero"
