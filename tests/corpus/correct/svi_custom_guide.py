import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.distributions import constraints
from numpyro.infer import SVI, Trace_ELBO
from numpyro.optim import Adam


def model(data):
    f = numpyro.sample("latent_fairness", dist.Beta(10.0, 10.0))
    with numpyro.plate("N", data.shape[0]):
        numpyro.sample("obs", dist.Bernoulli(f), obs=data)


def guide(data):
    alpha_q = numpyro.param("alpha_q", 15.0, constraint=constraints.positive)
    beta_q = numpyro.param(
        "beta_q", lambda rng_key: random.exponential(rng_key), constraint=constraints.positive
    )
    numpyro.sample("latent_fairness", dist.Beta(alpha_q, beta_q))


if __name__ == "__main__":
    data = jnp.concatenate([jnp.ones(6), jnp.zeros(4)])
    svi = SVI(model, guide, Adam(step_size=0.0005), loss=Trace_ELBO())
    svi_result = svi.run(random.PRNGKey(0), 200, data, progress_bar=False)
    params = svi_result.params
    inferred_mean = params["alpha_q"] / (params["alpha_q"] + params["beta_q"])
    print(np.asarray(inferred_mean))
