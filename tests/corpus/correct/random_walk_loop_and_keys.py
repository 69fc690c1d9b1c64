import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro import handlers


def random_walk(T):
    x = numpyro.sample("x_0", dist.Normal(0.0, 1.0))
    for t in range(1, T):
        x = numpyro.sample(f"x_{t}", dist.Normal(x, 0.1))
    return x


def simulate(n_draws):
    key = random.PRNGKey(0)
    draws = []
    for _ in range(n_draws):
        key, subkey = random.split(key)
        with handlers.seed(rng_seed=subkey):
            draws.append(random_walk(5))
    return np.array(draws)


if __name__ == "__main__":
    trace = handlers.trace(handlers.seed(random_walk, rng_seed=1)).get_trace(4)
    print(list(trace), simulate(3))
