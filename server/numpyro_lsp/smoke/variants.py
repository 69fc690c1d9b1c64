"""The parameterization advisor's side of the worker (run in the project's interpreter).

A run of the advisor puts the candidate sites under ``handlers.reparam`` with
``LocScaleReparam(centered=c)``, where ``c`` is one number per site given to the compiled
sampler as an argument: 1 is the model as written (the site's value is its sample, the
density the same), 0 non-centered, 0.5 partially centered. Every variant of a model is then
one compiled sampler, run again with other numbers (``RunRequest.centered``), and the file
is never edited.

Like the worker it imports nothing of numpyro_lsp but the protocol (it imports none of it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np
from numpyro import handlers
from numpyro.diagnostics import effective_sample_size
from numpyro.infer.reparam import LocScaleReparam

# The name numpyro gives the sample a LocScaleReparam draws in place of the site's own.
DECENTERED = "{}_decentered"


def centering(reparam: dict[str, list[str]], centered: list[float]) -> Any:
    """The sampler's second argument: each site's ``centered``, in ``reparam``'s order
    (an empty array for a plain smoke test)."""
    return jnp.asarray(centered if reparam else [], dtype=jnp.result_type(float))


def reparameterized(model: Callable, reparam: dict[str, list[str]], centered: Any) -> Callable:
    """``model`` with each site of ``reparam`` (site -> its family's shape parameters)
    under ``LocScaleReparam(centered=centered[i])``; ``model`` itself when there are none."""
    if not reparam:
        return model
    config = {
        site: LocScaleReparam(centered=centered[i], shape_params=tuple(shape_params))
        for i, (site, shape_params) in enumerate(reparam.items())
    }
    return handlers.reparam(model, config=config)


def bulk_ess(samples: dict[str, Any], reparam: dict[str, list[str]]) -> dict[str, Any]:
    """The bulk effective sample size (rank-normalized split chains, Vehtari et al. 2021)
    of every element of every site in the model's own terms (the decentered draws left
    out): the smallest, the median, and the site of the smallest."""
    left_out = {DECENTERED.format(site) for site in reparam}
    found: list[tuple[float, str]] = []
    for name, values in samples.items():
        if name in left_out:
            continue
        for value in site_bulk_ess(np.asarray(values, dtype=float)):
            if np.isfinite(value):
                found.append((float(value), name))
    if not found:
        return {"min": None, "median": None, "site": None}
    smallest = min(found)
    return {
        "min": smallest[0],
        "median": float(np.median([value for value, _ in found])),
        "site": smallest[1],
    }


def site_bulk_ess(draws: np.ndarray) -> np.ndarray:
    """Bulk ESS of each element of draws shaped (chains, draws, ...)."""
    # Imported on the advisor's first run: scipy.stats alone takes a third of a second,
    # which a smoke test's cold start should not pay.
    from scipy.special import ndtri
    from scipy.stats import rankdata

    chains, count = draws.shape[:2]
    half = count // 2
    if half < 2:
        return np.array([])
    split = np.concatenate([draws[:, :half], draws[:, count - half :]], axis=0)
    flat = split.reshape(2 * chains * half, -1)
    if np.all(flat == flat[0], axis=0).all():
        return np.array([])  # constant: no sampling to measure
    ranks = rankdata(flat, axis=0)
    z = ndtri((ranks - 0.375) / (flat.shape[0] + 0.25))
    z = z.reshape(2 * chains, half, -1)
    varying = ~np.all(flat == flat[0], axis=0)
    return bounded_ess(np.asarray(effective_sample_size(z[..., varying])), flat.shape[0])


def bounded_ess(ess: np.ndarray, draws: int) -> np.ndarray:
    """numpyro's ``effective_sample_size`` bounded as ArviZ bounds it: for a short chain
    whose draws alternate, its autocorrelation time comes out near 0 or below, and the ESS
    in the tens of thousands or negative (-37,880 of 50 draws). The time is taken as at
    least 1 / log10(draws): the ESS is at most draws * log10(draws). NaN stays NaN."""
    most = draws * np.log10(draws) if draws > 1 else float(draws)
    bounded = np.where(ess > 0, np.minimum(ess, most), most)
    return np.where(np.isnan(ess), ess, bounded)
