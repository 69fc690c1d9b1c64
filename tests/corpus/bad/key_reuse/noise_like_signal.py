# expect: NPR015
# fails: AssertionError: noise is correlated
import numpy as np
from jax import random


def fake_line(key, n=200):
    x = random.normal(key, (n,))
    noise = 0.5 * random.normal(key, (n,))
    return x, 1.0 + 2.0 * x + noise


x, y = fake_line(random.PRNGKey(2))
slope = np.polyfit(x, y, 1)[0]
residual = np.asarray(y) - 1.0 - 2.0 * np.asarray(x)
assert abs(np.corrcoef(x, residual)[0, 1]) < 0.2, f"the noise is correlated with x (slope {slope})"
