"""What a shape trace says: each site's shapes (the table), where to show them in the file
(inlay hints), and the shape findings at the user's lines.

Findings:

- **shape-trace-error** (error): the model raised while its shapes were traced: shapes that
  do not broadcast, a plate's size against a parameter's, a Python ``if`` on a traced value;
- **shape-needs-data** (information): the model's Python reads the values of an argument the
  file gives only as a ``jax.ShapeDtypeStruct``;
- **shape-broadcast** (warning): an observed site whose log-prob has more dimensions than its
  value and plates account for: the ``(n, 1)`` mean against an ``(n,)`` observation, a silent
  ``(n, n)`` likelihood; fixed by ``.squeeze(-1)`` on the parameter;
- **shape-missing-plate** (warning): a batch dimension no plate accounts for, at a site inside
  some plate (numpyro's own "Missing a plate statement" rule); no quick fix (wrapping in a
  plate or ``.to_event`` are both possible readings);
- **shape-plate-mismatch** (error): numpyro's "Shape mismatch inside plate"; for an observed
  vector whose last dimension met the plate, ``.to_event(1)`` is offered.
"""

from __future__ import annotations

import ast
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from numpyro_lsp.analysis.models import FunctionInfo, ModuleAnalysis, Site
from numpyro_lsp.analysis.text import column_from_utf8, split_lines
from numpyro_lsp.smoke.hints import hint_for
from numpyro_lsp.smoke.loader import RunPlan
from numpyro_lsp.smoke.report import SmokeFinding, exception_line, first_line, left_out_hint
from numpyro_lsp.smoke.runner import RunOutcome

Status = Literal["ok", "error", "not-run", "cancelled", "timeout", "crashed"]
DIAGNOSTIC_CODES = (
    "shape-trace-error",
    "shape-needs-data",
    "shape-broadcast",
    "shape-missing-plate",
    "shape-plate-mismatch",
)
# numpyro 0.22 checks a site's batch shape against its plates in ``plate.process_message``:
# "Incompatible shapes for broadcasting: shapes=[(50,), (3,)]" (the plates', the site's).
BROADCAST = re.compile(r"Incompatible shapes for broadcasting: shapes=\[(?P<shapes>.*)\]")
IN_PLATE = re.compile(r'primitives\.py", line \d+, in process_message')


def shape_text(shape: list[int] | None) -> str:
    """``(8,)``, ``(100, 3)``, ``()``."""
    if shape is None:
        return "?"
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


@dataclass(frozen=True)
class PlateShape:
    name: str
    size: int | None
    dim: int | None
    line: int | None = None

    @property
    def label(self) -> str:
        """``J=8, dim -1``."""
        dim = f", dim {self.dim}" if self.dim is not None else ""
        return f"{self.name}={self.size if self.size is not None else '?'}{dim}"


@dataclass(frozen=True)
class SiteShape:
    name: str
    type: str  # sample, deterministic or param
    value: list[int] | None
    plates: tuple[PlateShape, ...] = ()
    distribution: str | None = None
    batch: list[int] | None = None
    event: list[int] | None = None
    log_prob: list[int] | str | None = None
    observed: bool = False
    parameters: dict[str, list[int]] = field(default_factory=dict)
    enumerate: str | None = None
    time_dim: int | None = None
    line: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SiteShape:
        plates = tuple(PlateShape(p["name"], p["size"], p["dim"]) for p in data.get("plates", []))
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "plates": plates})

    @property
    def kind(self) -> str:
        if self.type != "sample":
            return self.type
        return "observed" if self.observed else "latent"

    @property
    def label(self) -> str:
        """The inlay hint: ``theta: (8,) | ()`` (batch | event), or the value's shape."""
        if self.type == "sample":
            return f"{self.name}: {shape_text(self.batch)} | {shape_text(self.event)}"
        return f"{self.name}: {shape_text(self.value)}"

    def row(self) -> list[str]:
        log_prob = self.log_prob if isinstance(self.log_prob, list) else None
        notes = []
        if self.time_dim is not None:
            notes.append(f"scan time dim {self.time_dim}")
        if self.enumerate:
            notes.append(f"enumerated ({self.enumerate})")
        return [
            self.name,
            self.kind,
            self.distribution or "",
            shape_text(self.batch) if self.batch is not None else "",
            shape_text(self.event) if self.event is not None else "",
            shape_text(self.value),
            shape_text(log_prob) if self.type == "sample" else "",
            " ".join(p.label.replace(", dim ", "@") for p in self.plates) + " ".join(notes),
        ]


@dataclass(frozen=True)
class HintPosition:
    """Where an inlay hint goes: 1-based line, code-point column (after the call), and
    where the call starts (an edit inside the call withdraws the hint)."""

    line: int
    column: int
    label: str
    start_line: int
    start_column: int
    site: str | None = None


HEADER = ["site", "kind", "distribution", "batch", "event", "value", "log prob", "plates"]


def table(sites: list[SiteShape]) -> str:
    """The shapes as a plain-text table (the CLI, the log, the hover)."""
    rows = [HEADER, *(site.row() for site in sites)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def markdown_table(sites: list[SiteShape], highlight: str | None = None) -> str:
    rows = [HEADER, *(site.row() for site in sites)]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * len(HEADER)]
    for site, row in zip(sites, rows[1:], strict=True):
        cells = [f"`{c}`" if c and i in (3, 4, 5, 6) else c for i, c in enumerate(row)]
        if site.name == highlight:
            cells[0] = f"**{cells[0]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass
class ShapeReport:
    model: str
    path: str
    status: Status
    summary: str
    sites: list[SiteShape] = field(default_factory=list)
    plates: list[PlateShape] = field(default_factory=list)
    findings: list[SmokeFinding] = field(default_factory=list)
    hints: list[HintPosition] = field(default_factory=list)
    note: str | None = None
    # The worker's error, for the log and the JSON: its traceback.
    error: str | None = None
    # Where an error happened: "loading" (the file's module-level code) or "tracing".
    phase: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def table(self) -> str:
        return table(self.sites)

    def site(self, name: str) -> SiteShape | None:
        return next((s for s in self.sites if s.name == name), None)

    def details(self) -> str:
        parts = [self.summary]
        if self.sites:
            parts += ["", self.table]
        if self.note:
            parts += ["", f"note: {self.note}"]
        for finding in self.findings:
            parts += ["", f"{self.path}:{finding.line}: {finding.severity}: {finding.code}: "]
            parts[-1] += finding.message
        return "\n".join(parts)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["table"] = self.table
        return data


# --- where things are in the file -----------------------------------------------------------


@dataclass(frozen=True)
class SourceSites:
    """The model's sites and plates as the file writes them."""

    sites: dict[str, Site]
    plates: dict[str, ast.Call]
    lines: list[str]

    @classmethod
    def read(cls, analysis: ModuleAnalysis, model: FunctionInfo, source: str) -> SourceSites:
        sites: dict[str, Site] = {}
        plates: dict[str, ast.Call] = {}
        for site in [*model.sites, *analysis.sites]:
            if site.name is not None:
                sites.setdefault(site.name, site)
            for plate in site.plates:
                if plate.name is not None:
                    plates.setdefault(plate.name, plate.call)
        return cls(sites, plates, split_lines(source))

    def site_at(self, line: int) -> Site | None:
        """The written site whose call spans ``line``."""
        for site in self.sites.values():
            if site.call.lineno <= line <= (site.call.end_lineno or site.call.lineno):
                return site
        return None

    def end_of(self, node: ast.AST) -> tuple[int, int]:
        line = node.end_lineno or node.lineno
        return line, column_from_utf8(self.lines[line - 1], node.end_col_offset)

    def span(self, node: ast.AST) -> tuple[int, int, int]:
        """1-based line and code-point columns of a node on one line (or its first line)."""
        line = self.lines[node.lineno - 1]
        start = column_from_utf8(line, node.col_offset)
        if node.end_lineno == node.lineno:
            return node.lineno, start, column_from_utf8(line, node.end_col_offset)
        return node.lineno, start, len(line)

    def text(self, node: ast.AST) -> str | None:
        if node.end_lineno != node.lineno:
            return None
        line = self.lines[node.lineno - 1]
        encoded = line.encode("utf-8")
        return encoded[node.col_offset : node.end_col_offset].decode("utf-8", errors="replace")


def hint_positions(sites: list[SiteShape], plates: list[PlateShape], source: SourceSites):
    hints = []
    for site in sites:
        written = source.sites.get(site.name)
        if written is not None:
            line, column = source.end_of(written.call)
            start = source.span(written.call)
            hints.append(HintPosition(line, column, site.label, start[0], start[1], site.name))
    for plate in plates:
        call = source.plates.get(plate.name)
        if call is not None:
            line, column = source.end_of(call)
            start = source.span(call)
            hints.append(HintPosition(line, column, plate.label, start[0], start[1]))
    return sorted(hints, key=lambda h: (h.line, h.column))


# --- findings -------------------------------------------------------------------------------


def broadcast(a: list[int], b: list[int]) -> list[int] | None:
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y) if 1 in (x, y) else x)
    return out[::-1]


def site_findings(sites: list[SiteShape], source: SourceSites, plan: RunPlan) -> list[SmokeFinding]:
    enum_dims = {-len(s.value) for s in sites if s.enumerate == "parallel" and s.value}
    findings = []
    for site in sites:
        if site.type != "sample" or site.batch is None or site.event is None or not site.plates:
            continue
        value = site.value or []
        value_batch = value[: len(value) - len(site.event)] if site.event else value
        batch = broadcast(site.batch, value_batch)
        if batch is None:
            continue
        covered = {p.dim for p in site.plates} | enum_dims
        if site.time_dim is not None:
            covered.add(site.time_dim)
        loose = [-i - 1 for i in range(len(batch)) if batch[-i - 1] > 1 and -i - 1 not in covered]
        if not loose:
            continue
        finding = shape_finding(site, batch, value_batch, loose, source, plan)
        if finding is not None:
            findings.append(finding)
    return findings


def site_place(site: SiteShape, plan: RunPlan) -> tuple[int, int | None, int | None]:
    """Where a finding about ``site`` goes: its name in the file, else the line it was
    made at (a computed name), else the model's ``def``."""
    position = plan.sites.get(site.name)
    if position is not None:
        return position.line, position.start, position.end
    return site.line or plan.model_line, None, None


def shape_finding(
    site: SiteShape,
    batch: list[int],
    value_batch: list[int],
    loose: list[int],
    source: SourceSites,
    plan: RunPlan,
) -> SmokeFinding | None:
    plates = ", ".join(p.label for p in site.plates)
    dims = ", ".join(f"{d} (size {batch[d]})" for d in loose)
    written = source.sites.get(site.name)
    use = written.distribution if written is not None else None
    line, start, end = site_place(site, plan)
    log_prob = shape_text(site.log_prob) if isinstance(site.log_prob, list) else "?"
    if site.observed and len(value_batch) < len(batch):
        # The value was broadcast up by a parameter: the (n, 1) against (n,) pattern.
        culprits = [
            name
            for name, shape in site.parameters.items()
            if len(shape) >= 2
            and shape[-1] == 1
            and shape[:-1] == value_batch[len(value_batch) - len(shape) + 1 :]
        ]
        message = (
            f"`{site.name}`: the log-prob has shape {log_prob} but the observation has shape "
            f"{shape_text(site.value)} in {plates}: dimension {dims} comes from broadcasting, "
            "not from the data, so every observation is scored against every mean and the "
            "posterior is wrong."
        )
        for name in culprits:
            message += f" The parameter `{name}` has shape {shape_text(site.parameters[name])}."
        fix = None
        if use is not None and len(culprits) == 1 and culprits[0] in use.arguments:
            argument = use.arguments[culprits[0]]
            text = source.text(argument)
            if text is not None:
                simple = isinstance(argument, ast.Name | ast.Attribute | ast.Subscript | ast.Call)
                replacement = f"{text if simple else f'({text})'}.squeeze(-1)"
                line, start, end = source.span(argument)
                fix = {"kind": "replace_name", "name": text, "replacement": replacement}
                message += f" Squeeze it: `{replacement}`."
        return SmokeFinding("warning", "shape-broadcast", message, line, start, end, site.name, fix)
    message = (
        f"Missing a plate statement for batch dimension {dims} at site `{site.name}`: its batch "
        f"shape is {shape_text(batch)} (log-prob {log_prob}) in {plates}."
    )
    rightmost = loose == [-i - 1 for i in range(len(loose))]
    if site.observed and rightmost:
        # No quick fix: `.to_event(n)` moves the batch dimensions right, past the plates'
        # dims, so the plates would need new dims as well.
        message += (
            f" If each observation is a vector, declare its last {len(loose)} dimension(s) as "
            "the event (`.to_event(...)`) and give the plates the dimensions left of it."
        )
    return SmokeFinding("warning", "shape-missing-plate", message, line, start, end, site.name)


def error_findings(
    plan: RunPlan, payload: dict[str, Any], source: SourceSites
) -> list[SmokeFinding]:
    exception = payload["exception"]
    stated = f"{exception['type']}: {exception['message']}".strip().rstrip(":")
    line, site = exception_line(plan, exception)
    needs = payload.get("needs_data")
    if needs:
        message = (
            f"The shape trace needs data for {needs}: the model's Python reads its values, "
            "which a `jax.ShapeDtypeStruct` does not have. Give the data itself (a module-level "
            "array, the file's `mcmc.run(...)` or `# numpyro: smoke-args`)."
            f"\n\n{first_line(stated)}"
        )
        return [SmokeFinding("information", "shape-needs-data", message, line, site=site)]
    mismatch = BROADCAST.search(exception["message"])
    written = source.site_at(line)
    in_plate = IN_PLATE.search(exception.get("traceback", ""))
    if mismatch is not None and written is not None and in_plate:
        failing = payload.get("failing_site") or {}
        return [plate_mismatch_finding(mismatch["shapes"], stated, written, source, failing)]
    hint = left_out_hint(plan, exception) or hint_for(exception)
    message = f"The model raised while its shapes were traced: {stated}"
    if hint:
        message += f"\n\nHint: {hint}"
    return [SmokeFinding("error", "shape-trace-error", message, line, site=site)]


def plate_mismatch_finding(
    shapes: str, stated: str, written: Site, source: SourceSites, failing: dict[str, Any]
) -> SmokeFinding:
    line, start, end = source.span(written.call)
    message = (
        f"The plates around `{written.name}` and its batch shape do not line up "
        f"(the plates', the site's: {shapes}): {first_line(stated)}."
    )
    fix = None
    use = written.distribution
    # A vector-valued observation: the data's last dimension is what met the plate.
    value, batch = failing.get("value") or [], failing.get("batch") or []
    vector = len(value) >= 2 and bool(batch) and value[-1] == batch[-1] > 1
    if use is not None and written.observed and vector and use.expression is not None:
        text = source.text(use.expression)
        if text is not None and not use.has_method("to_event"):
            replacement = f"{text}.to_event(1)"
            line, start, end = source.span(use.expression)
            fix = {"kind": "replace_name", "name": text, "replacement": replacement}
            message += (
                f" Each observation is a vector of {value[-1]} (the data's shape is "
                f"{shape_text(value)}): its last dimension is the event, not a batch "
                f"dimension: `{replacement}`."
            )
    else:
        message += " Check each plate's size against the parameters' and the data's shapes."
    return SmokeFinding(
        "error", "shape-plate-mismatch", message, line, start, end, written.name, fix
    )


# --- the report -----------------------------------------------------------------------------


def build_report(plan: RunPlan, outcome: RunOutcome, source: SourceSites) -> ShapeReport:
    what = f"Shapes of {plan.model}"
    if outcome.status == "result":
        payload = outcome.payload
        sites = [SiteShape.from_json(s) for s in payload["sites"]]
        plates = [
            PlateShape(p["name"], p["size"], p["dim"], p.get("line")) for p in payload["plates"]
        ]
        findings = site_findings(sites, source, plan)
        timings = {**payload.get("timings", {}), "wall_s": outcome.wall_s}
        count = f"{len(sites)} sites, {len(findings)} finding{'s' if len(findings) != 1 else ''}"
        return ShapeReport(
            plan.model,
            plan.path,
            "ok",
            f"{what}: {count} ({1000 * outcome.wall_s:.0f} ms)",
            sites,
            plates,
            findings,
            hint_positions(sites, plates, source),
            payload.get("note"),
            timings=timings,
        )
    if outcome.status == "error":
        findings = error_findings(plan, outcome.payload, source)
        exception = outcome.payload["exception"]
        stated = f"{exception['type']}: {exception['message']}".strip().rstrip(":")
        return ShapeReport(
            plan.model,
            plan.path,
            "error",
            f"{what}: failed at line {findings[0].line}: {first_line(stated)}",
            findings=findings,
            error=exception.get("traceback", "").rstrip(),
            timings={"wall_s": outcome.wall_s},
            phase=outcome.phase,
        )
    message = outcome.message.replace("The smoke test", "The shape trace").replace(
        "smoke-test worker", "worker"
    )
    return ShapeReport(plan.model, plan.path, outcome.status, f"{what}: {message}")
