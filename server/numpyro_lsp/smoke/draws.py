"""The draws the smoke test's pictures show (trace, rank, density, pair and energy plots), as
compact data: run in the project's interpreter by the worker, with numpy.

Each element of each site (``theta[3]``), at most ``MAX_ELEMENTS`` in all, goes as float32
bytes in base64, chains after each other, thinned to at most ``MAX_DRAWS`` draws per chain
(every k-th draw). The pair plot's two elements are those whose divergent draws lie furthest
from the others (on the log scale for positive sites, where funnels show), and their every
divergent draw is kept. The energy plot gets each chain's energy and BFMI.

Handed to the project's interpreter with the worker.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

MAX_DRAWS = 500
MAX_ELEMENTS = 200
# The elements a vector site names in the picker; all of them are sent up to MAX_ELEMENTS.
LOW_BFMI = 0.3


def encode(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f4").tobytes()).decode("ascii")


def element_names(name: str, shape: tuple[int, ...]) -> list[str]:
    if not shape:
        return [name]
    return [f"{name}[{','.join(map(str, index))}]" for index in np.ndindex(*shape)]


def pictures(
    samples: dict[str, np.ndarray], diverging: np.ndarray, energy: np.ndarray
) -> dict[str, Any]:
    """``samples``: site -> (chains, draws, ...); ``diverging`` and ``energy``: (chains,
    draws)."""
    diverging = np.asarray(diverging, dtype=bool)
    chains, draws = diverging.shape
    step = max(1, -(-draws // MAX_DRAWS))
    kept = np.arange(0, draws, step)
    elements: list[dict[str, Any]] = []
    flat: dict[str, np.ndarray] = {}
    for site, values in samples.items():
        values = np.asarray(values, dtype=float)
        shape = values.shape[2:]
        columns = values.reshape(chains, draws, -1)
        for index, name in enumerate(element_names(site, shape)):
            if len(elements) >= MAX_ELEMENTS:
                break
            column = columns[:, :, index]
            flat[name] = column
            elements.append(
                {
                    "name": name,
                    "site": site,
                    "values": encode(column[:, kept]),
                }
            )
    pair = pair_elements(flat, diverging)
    pair_data = None
    if pair:
        x, y = (flat[name] for name in pair)
        pair_data = {
            "x": pair[0],
            "y": pair[1],
            "xs": encode(x[:, kept]),
            "ys": encode(y[:, kept]),
            "div_x": encode(x[diverging]),
            "div_y": encode(y[diverging]),
        }
    energy = np.asarray(energy, dtype=float)
    return {
        "chains": chains,
        "draws": draws,
        "step": step,
        "kept": len(kept),
        "elements": elements,
        "sites": list(samples),
        "divergences": int(diverging.sum()),
        "pair": pair_data,
        "energy": encode(energy[:, kept]) if energy.size else None,
        "energy_all": encode(energy) if energy.size else None,
        "bfmi": [float(b) for b in bfmi(energy)] if energy.size else [],
        "low_bfmi": LOW_BFMI,
    }


def bfmi(energy: np.ndarray) -> np.ndarray:
    """The Bayesian fraction of missing information of each chain (Betancourt 2016)."""
    numerator = np.sum(np.diff(energy, axis=1) ** 2, axis=1) / energy.shape[1]
    denominator = np.var(energy, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def pair_elements(flat: dict[str, np.ndarray], diverging: np.ndarray) -> tuple[str, str] | None:
    """The two elements (of two sites where there are) most involved in divergences: whose
    divergent draws lie furthest from the rest (in standard deviations), or are squeezed the
    most (the log of the ratio of their spreads)."""
    if len(flat) < 2:
        return None
    scores = []
    for name, column in flat.items():
        values = np.log(column) if np.all(column > 0) else column
        sd = np.std(values)
        score = 0.0
        if diverging.sum() > 1 and (~diverging).sum() > 1 and sd > 0 and np.isfinite(sd):
            inside, outside = values[diverging], values[~diverging]
            # Where divergent draws sit apart (a shifted mean) or squeezed (a funnel's neck).
            shift = abs(inside.mean() - outside.mean()) / sd
            with np.errstate(divide="ignore", invalid="ignore"):
                squeeze = abs(np.log(np.std(inside) / np.std(outside)))
            score = max(shift, squeeze if np.isfinite(squeeze) else 0.0)
        scores.append((-float(np.nan_to_num(score)), len(scores), name))
    ranked = [name for _, _, name in sorted(scores)]
    first = ranked[0]
    site = first.split("[")[0]
    second = next((n for n in ranked[1:] if n.split("[")[0] != site), ranked[1])
    return first, second
