"""One engine for the editor and the CLI: run the enabled rules over a source text, apply
``# noqa`` comments and the user's severities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from numpyro_lsp.analysis.layout import full_layout
from numpyro_lsp.analysis.models import ModuleAnalysis, analyze_module
from numpyro_lsp.analysis.recovery import BrokenRegion
from numpyro_lsp.analysis.text import split_lines
from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.rules import RULES
from numpyro_lsp.rules.base import Finding, Report, Rule, Severity

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?", re.I)


@dataclass(frozen=True)
class RuleSettings:
    """Which rules run and how loud they are; the same shape in pyproject.toml and the editor."""

    select: frozenset[str] | None = None  # None: the rules on by default
    extend_select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    # Per-code severity; None turns a rule off.
    severity: dict[str, Severity | None] = field(default_factory=dict)

    def enabled(self, code: str) -> bool:
        rule = RULES[code]
        chosen = (
            any(code.startswith(prefix) for prefix in self.select)
            if self.select is not None
            else rule.enabled_by_default
        )
        chosen = chosen or any(code.startswith(prefix) for prefix in self.extend_select)
        if any(code.startswith(prefix) for prefix in self.ignore):
            return False
        return chosen and self.severity.get(code, rule.severity) is not None


def noqa_codes(line: str) -> set[str] | None:
    """The codes a line's ``# noqa`` comment suppresses: None for none, empty for all."""
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    return {c.strip().upper() for c in codes.split(",")} if codes else set()


def suppressed(finding: Finding, lines: list[str]) -> bool:
    index = finding.span.line - 1
    codes = noqa_codes(lines[index]) if 0 <= index < len(lines) else None
    return codes is not None and (not codes or finding.code in codes)


def chunk_reports(
    analysis: ModuleAnalysis, part: ModuleAnalysis, rules: list[Rule]
) -> dict[str, list[Report]]:
    """The rules' chunk checks on one part of the file. Kept with the part, which the
    document's next versions share while the chunk's text and the file's imports stay the
    same, for as long as the part's context does (``ModuleAnalysis.chunk_context``)."""
    context = analysis.chunk_context(part)
    kept = part.chunk_reports
    if kept is None or kept[0] != context:
        kept = part.chunk_reports = (context, {})
    reports = kept[1]
    view = None
    for rule in rules:
        if rule.code not in reports and rule.check_chunk is not None:
            view = view or analysis.chunk_view(part)
            try:
                reports[rule.code] = list(rule.check_chunk(view))
            except RecursionError:
                reports[rule.code] = []  # nested deeper than the rule can follow: say nothing
    return reports


def run_rules(analysis: ModuleAnalysis, lines: list[str], settings: RuleSettings) -> list[Finding]:
    enabled = [rule for code, rule in RULES.items() if settings.enabled(code)]
    found: list[Finding] = []
    for rule in enabled:
        if rule.check is None:
            continue
        try:
            found += map(rule.finding, rule.check(analysis))
        except RecursionError:
            continue  # code nested deeper than the rule can follow: say nothing rather than fail
    chunked = [rule for rule in enabled if rule.check_chunk is not None]
    with analysis.lock:
        for part in analysis.parts:
            reports = chunk_reports(analysis, part, chunked)
            for rule in chunked:
                found += map(rule.finding, reports[rule.code])
    findings = [
        replace(f, severity=settings.severity.get(f.code, RULES[f.code].severity))
        for f in found
        if not suppressed(f, lines)
    ]
    # One report per place and code: a rule may reach the same node along two paths.
    unique = {(f.span, f.code, f.message): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.span.line, f.span.column, f.code))


def check_text(
    source: str,
    catalog: Catalog,
    settings: RuleSettings | None = None,
    cell_starts: tuple[int, ...] = (),
) -> tuple[list[Finding], list[BrokenRegion]]:
    """Findings for a whole source text, and the regions of it that do not parse: the
    statements around those are checked as they are (analysis/recovery.py). ``cell_starts``:
    a notebook's program's, whose cells are parsed each on its own."""
    lines = split_lines(source)
    layout = full_layout(lines, cell_starts)
    analysis = analyze_module(layout.tree, catalog, masked_lines=frozenset(layout.masked_lines()))
    return run_rules(analysis, lines, settings or RuleSettings()), layout.broken


def check_source(
    source: str, catalog: Catalog, settings: RuleSettings | None = None
) -> list[Finding]:
    """Findings for a whole source text (``check_text`` without the broken regions)."""
    return check_text(source, catalog, settings)[0]
