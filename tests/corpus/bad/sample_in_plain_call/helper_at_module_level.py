# expect: NPR022
# fails: AssertionError
import numpyro
import numpyro.distributions as dist


def draw_weights(k):
    return numpyro.sample("w", dist.Normal(0.0, 1.0).expand([k]))


weights = draw_weights(3)
print(weights)
