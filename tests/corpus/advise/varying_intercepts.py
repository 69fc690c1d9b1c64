"""Varying intercepts with strong data: 100 observations in each of 8 groups, so each
group's intercept is well determined by its own data. Centered, NUTS samples this well;
non-centering ``alpha`` ties every offset to ``mu`` and ``tau`` and makes it worse
(Gorinova, Moore & Hoffman 2019). The parameterization advisor keeps it as written."""

import numpy as np
import numpyro
import numpyro.distributions as dist

G = 8
N = 100
rng = np.random.default_rng(0)
group = np.repeat(np.arange(G), N)
y = rng.normal(1.0, 2.0, G)[group] + rng.normal(0.0, 1.0, G * N)


def varying_intercepts(group, G, y=None):
    mu = numpyro.sample("mu", dist.Normal(0, 5))
    tau = numpyro.sample("tau", dist.HalfNormal(5))
    with numpyro.plate("groups", G):
        alpha = numpyro.sample("alpha", dist.Normal(mu, tau))
    sigma = numpyro.sample("sigma", dist.HalfNormal(2))
    with numpyro.plate("data", len(group)):
        numpyro.sample("y", dist.Normal(alpha[group], sigma), obs=y)
