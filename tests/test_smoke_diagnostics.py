"""The per-site diagnostics the smoke worker reports, computed in this process on draws made
up to be hard for them (the worker's own functions, with numpyro's estimators)."""

from __future__ import annotations

import math

import numpy as np

from numpyro_lsp.smoke.worker import site_summaries


def test_the_ess_of_a_short_alternating_chain_is_bounded_not_negative():
    # 50 draws that alternate: numpyro's effective_sample_size gives about -3,000 (a smoke
    # run of a notebook's model reported "min n_eff -37880").
    rng = np.random.default_rng(0)
    alternating = np.tile([1.0, -1.0], 25)[None, :] + rng.normal(0, 0.01, (1, 50))
    independent = rng.normal(size=(1, 50))
    sites = site_summaries({"x": alternating, "y": independent})
    assert sites["x"]["n_eff"] == [50 * math.log10(50)]  # ArviZ's bound
    assert sites["x"]["min_n_eff"] == 50 * math.log10(50)
    # An ordinary chain keeps numpyro's estimate.
    assert 10 < sites["y"]["min_n_eff"] < 50 * math.log10(50)
