import numpy as np
import numpyro
import numpyro.distributions as dist

_rng = np.random.RandomState(1)
GROUP = np.arange(8)
Y = _rng.normal(1.0, 10.0, size=8)


def model(group, n_groups, y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
    sigma_group = numpyro.sample("sigma_group", dist.HalfNormal(3.0))
    with numpyro.plate("groups", n_groups):
        effect = numpyro.sample("effect", dist.StudentT(4.0, mu, sigma_group))
    with numpyro.plate("data", len(group)):
        numpyro.sample("y", dist.Normal(effect[group], 10.0), obs=y)


ARGS = (GROUP, 8)
KWARGS = {"y": Y}
