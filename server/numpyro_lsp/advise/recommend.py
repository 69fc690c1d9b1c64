"""Each variant's numbers, the recommendation and its reason, and the table.

The measure is the smallest bulk ESS over every element of every site, in the model's own
terms, per second of sampling (warmup and draws; compiling not counted, since one compiled
sampler serves every variant). Recommended: of the variants without a divergence, the one
with the best ESS per second. A variant that is no better than the model as written (it
needs ``MARGIN`` times its ESS per second when the model as written does not diverge) is
not recommended: then the advice is to keep it as written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from numpyro_lsp.advise.plan import AS_WRITTEN, Variant

# How much more ESS per second a variant needs over a model as written that does not
# diverge: short runs on a busy machine are noisy.
MARGIN = 1.2


@dataclass
class VariantResult:
    name: str
    # The candidate sites the variant changes, with their ``centered``.
    centered: dict[str, float]
    divergences: int | None = None
    draws: int = 0
    min_ess: float | None = None
    median_ess: float | None = None
    # The site of the smallest ESS.
    min_ess_site: str | None = None
    ess_per_second: float | None = None
    median_ess_per_second: float | None = None
    max_r_hat: float | None = None
    # Sampling (warmup and draws) and compiling (0 when the variant reused the sampler).
    seconds: float | None = None
    compile_seconds: float = 0.0
    # Why it has no numbers (it failed), when it has none.
    error: str | None = None

    @property
    def ran(self) -> bool:
        return self.error is None and self.divergences is not None

    @classmethod
    def from_payload(cls, variant: Variant, payload: dict[str, Any]) -> VariantResult:
        timings = payload["timings"]
        seconds = timings["warmup_s"] + timings["sampling_s"]
        ess = payload.get("ess_bulk") or {}
        r_hats = [s["max_r_hat"] for s in payload["sites"].values() if s["max_r_hat"] is not None]
        compile_seconds = 0.0 if payload["reused"] else timings["load_s"] + timings["compile_s"]

        def per_second(value: float | None) -> float | None:
            return value / seconds if value is not None and seconds > 0 else None

        return cls(
            name=variant.name,
            centered=dict(variant.centered),
            divergences=sum(payload["divergences"]),
            draws=payload["draws"],
            min_ess=ess.get("min"),
            median_ess=ess.get("median"),
            min_ess_site=ess.get("site"),
            ess_per_second=per_second(ess.get("min")),
            median_ess_per_second=per_second(ess.get("median")),
            max_r_hat=max(r_hats) if r_hats else None,
            seconds=seconds,
            compile_seconds=compile_seconds,
        )


@dataclass
class Recommendation:
    # A variant's name; AS_WRITTEN to keep it as written; None when nothing can be said.
    recommended: str | None
    reason: str


def _rate(result: VariantResult) -> float:
    return result.ess_per_second or 0.0


def _numbers(result: VariantResult) -> str:
    divergences = f"{result.divergences} divergence{'s' if result.divergences != 1 else ''}"
    return f"{divergences}, {_rate(result):.0f} ESS/s"


def recommend(results: list[VariantResult]) -> Recommendation:
    """The recommendation and its reason, in one sentence with the numbers; ``results`` start
    with the model as written."""
    ran = [r for r in results if r.ran]
    written = next((r for r in ran if r.name == AS_WRITTEN), None)
    if written is None:
        failed = next((r for r in results if r.name == AS_WRITTEN), None)
        why = failed.error if failed is not None and failed.error else "it did not run"
        return Recommendation(None, f"No advice: the model as written did not run ({why}).")
    others = [r for r in ran if r is not written]
    if not others:
        return Recommendation(AS_WRITTEN, "Keep it as written: no other variant ran.")
    clean = [r for r in ran if r.divergences == 0]
    if not clean:
        fewest = min(ran, key=lambda r: r.divergences / max(r.draws, 1))
        if fewest is written or fewest.divergences >= written.divergences:
            return Recommendation(
                AS_WRITTEN,
                f"Keep it as written: every variant diverged, none less than the model as "
                f"written ({_numbers(written)}).",
            )
        return Recommendation(
            fewest.name,
            f"`{fewest.name}`: {_numbers(fewest)}, against {_numbers(written)} as written; no "
            "variant ran without divergences, so look at the model's priors too.",
        )
    best = max(clean, key=_rate)  # the first of equals: the site-level change before "all"
    best_other = max((r for r in clean if r is not written), key=_rate, default=None)
    if best is written:
        rival = best_other or max(others, key=_rate)
        return Recommendation(
            AS_WRITTEN,
            f"Keep it as written: {_numbers(written)}, better than every variant (the best, "
            f"`{rival.name}`: {_numbers(rival)}).",
        )
    if written.divergences == 0 and _rate(best) < MARGIN * _rate(written):
        return Recommendation(
            AS_WRITTEN,
            f"Keep it as written: {_numbers(written)}; the best variant, `{best.name}`, is no "
            f"better ({_numbers(best)}).",
        )
    return Recommendation(
        best.name,
        f"`{best.name}`: {_numbers(best)} (min bulk ESS {best.min_ess:.0f} in "
        f"{best.seconds:.2f} s), against {_numbers(written)} as written.",
    )


def kept_centered(results: list[VariantResult], recommendation: Recommendation) -> list[str]:
    """The candidate sites the recommendation leaves centered, when it ran without a
    divergence: measured, centering wins for them, and the divergence hint is withdrawn."""
    chosen = next((r for r in results if r.name == recommendation.recommended), None)
    if chosen is None or chosen.divergences != 0:
        return []
    sites = {site for r in results for site in r.centered}
    return sorted(site for site in sites if chosen.centered.get(site, 1.0) == 1.0)


@dataclass
class Advice:
    model: str
    path: str
    candidates: list[str]
    variants: list[VariantResult] = field(default_factory=list)
    recommended: str | None = None
    reason: str = ""
    # Candidate sites to keep centered, measured (their divergence hints are withdrawn).
    keep_centered: list[str] = field(default_factory=list)
    cancelled: bool = False
    # Seconds from the first request to the last result, the worker's start included.
    total_seconds: float = 0.0
    device: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        if self.cancelled:
            return f"Parameterization advice for {self.model}: cancelled."
        return f"Parameterization advice for {self.model}: {self.reason}"

    def table(self) -> list[str]:
        return variant_table(self.variants)

    @property
    def details(self) -> str:
        s = self.settings
        run = (
            f"{s.get('chains')} chain(s) × ({s.get('warmup')} warmup + {s.get('samples')} "
            f"samples) · seed {s.get('seed')} · device {self.device} · total "
            f"{self.total_seconds:.2f} s"
        )
        sites = ", ".join(f"`{c}`" for c in self.candidates) or "none"
        return "\n".join(
            [
                f"Parameterization advice for {self.model} ({self.path})",
                f"candidate sites: {sites}",
                run,
                "",
                *self.table(),
                "",
                f"recommended: {self.recommended or 'none'}",
                self.reason,
                "",
                "ESS: bulk effective sample size, the smallest over every element of every site "
                "(and the median); per second of sampling (warmup and draws).",
            ]
        )

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = self.summary
        data["details"] = self.details
        return data


def _fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def variant_table(results: list[VariantResult]) -> list[str]:
    header = (
        "variant",
        "diverg.",
        "min ESS",
        "med ESS",
        "ESS/s",
        "med ESS/s",
        "max r_hat",
        "sampling s",
        "compile s",
    )
    rows = [header]
    for r in results:
        if not r.ran:
            rows.append((r.name, f"failed: {r.error}", *[""] * 7))
            continue
        rows.append(
            (
                r.name,
                str(r.divergences),
                _fmt(r.min_ess),
                _fmt(r.median_ess),
                _fmt(r.ess_per_second),
                _fmt(r.median_ess_per_second),
                _fmt(r.max_r_hat, 3),
                _fmt(r.seconds, 2),
                _fmt(r.compile_seconds, 2) if r.compile_seconds else "reused",
            )
        )
    width = max(len(row[0]) for row in rows)
    return [f"{row[0]:<{width}}  " + "".join(f"{v:>11}" for v in row[1:]) for row in rows]
