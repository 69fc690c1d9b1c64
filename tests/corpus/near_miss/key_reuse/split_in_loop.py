import jax.numpy as jnp
from jax import random


def replicate_means(rng_key, replicates, n):
    means = []
    for _ in range(replicates):
        rng_key, draw_key = random.split(rng_key)
        draws = random.normal(draw_key, (n,))
        means.append(float(jnp.mean(draws)))
    return means


def fold_in_replicates(key, replicates):
    return [float(random.normal(random.fold_in(key, i))) for i in range(replicates)]


def one_draw_per_branch(key, heavy_tailed):
    if heavy_tailed:
        return random.t(key, 3.0, (10,))
    return random.normal(key, (10,))


means = replicate_means(random.PRNGKey(1), 5, 100)
assert len(set(means)) > 1, "identical replicates: the spread of the estimator is zero"
assert len(set(fold_in_replicates(random.PRNGKey(2), 4))) == 4
one_draw_per_branch(random.PRNGKey(3), True)
