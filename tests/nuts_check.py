"""Run NUTS on models of Python files and print what the non-centering proofs compare.

    python tests/nuts_check.py JOBS_JSON

JOBS_JSON is a list of {"path", "model", "args": [names], "kwargs": {param: name}} (names of
module-level values; without "args" the file's ARGS/KWARGS are used). One process runs them
all, so JAX is imported once. Prints a JSON list of {"divergences", "mean", "sd"} per job.
"""

from __future__ import annotations

import json
import runpy
import sys

import jax.numpy as jnp
from jax import random
from numpyro.infer import MCMC, NUTS

WARMUP, SAMPLES, SEED = 500, 1000, 0


def run(job: dict) -> dict:
    namespace = runpy.run_path(job["path"], run_name="nuts_check")
    if "args" in job:
        args = tuple(namespace[name] for name in job["args"])
        kwargs = {key: namespace[name] for key, name in job.get("kwargs", {}).items()}
    else:
        args, kwargs = namespace["ARGS"], namespace.get("KWARGS", {})
    mcmc = MCMC(
        NUTS(namespace[job["model"]]), num_warmup=WARMUP, num_samples=SAMPLES, progress_bar=False
    )
    mcmc.run(random.PRNGKey(SEED), *args, extra_fields=("diverging",), **kwargs)
    samples = mcmc.get_samples()
    return {
        "divergences": int(mcmc.get_extra_fields()["diverging"].sum()),
        "mean": {k: float(jnp.mean(v)) for k, v in samples.items()},
        "sd": {k: float(jnp.std(v)) for k, v in samples.items()},
    }


if __name__ == "__main__":
    jobs = json.loads(sys.argv[1])
    print(json.dumps([run(job) for job in jobs]))
