import numpy as np
import numpyro
import numpyro.distributions as dist

_rng = np.random.RandomState(2)
Y = _rng.normal(0.5, 3.0, size=(6, 3))


def model(n_groups, n_items, y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
    tau = numpyro.sample("tau", dist.HalfNormal(3.0))
    sigma_item = numpyro.sample("sigma_item", dist.HalfNormal(2.0))
    with numpyro.plate("groups", n_groups, dim=-2):
        group_mean = numpyro.sample("group_mean", dist.Normal(mu, tau))
        with numpyro.plate("items", n_items, dim=-1):
            item = numpyro.sample("item", dist.Normal(group_mean, sigma_item))
            numpyro.sample("y", dist.Normal(item, 3.0), obs=y)


ARGS = (6, 3)
KWARGS = {"y": Y}
