"""Hover on a site name after a smoke run: that site's posterior summary."""

from __future__ import annotations

import re

from numpyro_lsp.smoke.report import ELEMENTS_SHOWN, SiteSummary, SmokeReport, element_count, fmt

# A string literal that could be a site name: "theta", 'obs'.
QUOTED_NAME = re.compile(r"""(["'])([\w.\-/]+)\1""")


def quoted_name_at(line: str, column: int, names: set[str]) -> tuple[str, int, int] | None:
    """The name in ``names`` written as a string literal around code-point ``column`` of
    ``line``, with the literal's start and end columns."""
    for match in QUOTED_NAME.finditer(line):
        if match.start() <= column <= match.end() and match[2] in names:
            return match[2], match.start(), match.end()
    return None


def site_hover_markdown(report: SmokeReport, site: SiteSummary) -> str:
    """A site's posterior summary from the last run, for hover."""
    lines = [
        f"**{site.name}**: posterior from the NUTS smoke test of `{report.model}` "
        f"({report.verdict}, {report.chains} × {report.draws // max(report.chains, 1)} draws)",
        "",
        "| | mean | sd | n_eff | r_hat |",
        "|---|---:|---:|---:|---:|",
    ]
    for i, name in enumerate(site.element_names()[:ELEMENTS_SHOWN]):
        lines.append(
            f"| `{name}` | {fmt(site.mean[i])} | {fmt(site.sd[i])} | "
            f"{fmt(site.n_eff[i], 0)} | {fmt(site.r_hat[i])} |"
        )
    if element_count(site) > ELEMENTS_SHOWN:
        lines += [
            "",
            f"{element_count(site)} elements: max r_hat {fmt(site.max_r_hat)}, "
            f"min n_eff {fmt(site.min_n_eff, 0)}",
        ]
    return "\n".join(lines)
