# expect: NPR022
# fails: AssertionError
import numpy as np
import numpyro
import numpyro.distributions as dist


def model(x, y=None):
    intercept = numpyro.sample("intercept", dist.Normal(0.0, 1.0))
    slope = numpyro.sample("slope", dist.Normal(0.0, 1.0))
    with numpyro.plate("points", x.shape[0]):
        return numpyro.sample("y", dist.Normal(intercept + slope * x, 1.0), obs=y)


x = np.linspace(0.0, 1.0, 10)
# A look at what the prior implies, by calling the model like a function.
prior_curve = model(x)
