"""What a smoke run says: a verdict against stated thresholds, a one-line summary, the full
text for the log, findings at lines of the user's file, and per-site posterior summaries.

Verdicts:

- **pass**: no divergent draw, every r_hat <= 1.05, every n_eff >= min(100, draws / 10),
  all draws finite, and no warning from numpyro or JAX;
- **warn**: the run finished but one of those does not hold;
- **fail**: the model did not run (an error, a crash, a timeout, arguments not found), a
  draw is NaN or infinite, more than 25% of the draws diverged, or an r_hat is above 1.5
  (the chains sample different places);
- **cancelled**: stopped by the user.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from numpyro_lsp.settings import SmokeSettings
from numpyro_lsp.smoke.hints import hint_for
from numpyro_lsp.smoke.loader import LoadError, RunPlan, SitePosition
from numpyro_lsp.smoke.protocol import ARGUMENTS_FILENAME
from numpyro_lsp.smoke.runner import PHASE_WORDS, RunOutcome

R_HAT_WARN = 1.05
R_HAT_FAIL = 1.5
N_EFF_WARN = 100
N_EFF_WARN_FRACTION = 0.1
DIVERGENCE_FAIL_FRACTION = 0.25
THRESHOLDS = (
    f"pass: no divergences, r_hat <= {R_HAT_WARN}, n_eff >= min({N_EFF_WARN}, "
    f"{N_EFF_WARN_FRACTION:g} x draws), finite draws, no warnings; fail: an error, "
    f"non-finite draws, > {DIVERGENCE_FAIL_FRACTION:.0%} divergent draws or r_hat > {R_HAT_FAIL}"
)
# Elements of a vector site shown in the table and on hover before the rest is summarized.
ELEMENTS_SHOWN = 10
# "at site 'obs'", "Site x:", "discrete latent site z": a warning's site when it names one.
SITE_IN_MESSAGE = re.compile(r"\bsite\s+['\"`]?([\w.\-/]+)", re.IGNORECASE)

Verdict = Literal["pass", "warn", "fail", "cancelled"]
Severity = Literal["error", "warning", "information"]


@dataclass(frozen=True)
class SmokeFinding:
    """Something a run in the worker (smoke test, shape trace, advice) shows at a line of
    the user's file."""

    severity: Severity
    code: str
    message: str
    line: int  # 1-based
    # Code-point columns; None marks the whole line.
    start: int | None = None
    end: int | None = None
    site: str | None = None
    # A quick fix on the finding's range: a ``rewrite/fixes.py`` payload (the shape lens's).
    fix: dict[str, str] | None = None


@dataclass(frozen=True)
class SiteSummary:
    name: str
    shape: list[int]
    mean: list[float | None]
    sd: list[float | None]
    n_eff: list[float | None]
    r_hat: list[float | None]
    max_r_hat: float | None
    min_n_eff: float | None
    finite: bool

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> SiteSummary:
        return cls(name=name, **data)

    def element_names(self) -> list[str]:
        if not self.shape:
            return [self.name]
        return [f"{self.name}[{i}]" for i in range(len(self.mean))]


@dataclass
class SmokeReport:
    model: str
    path: str
    verdict: Verdict
    summary: str
    details: str
    findings: list[SmokeFinding] = field(default_factory=list)
    sites: dict[str, SiteSummary] = field(default_factory=dict)
    device: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    draws: int = 0
    chains: int = 0
    divergences: int = 0
    accept_prob: float | None = None
    step_size: list[float] = field(default_factory=list)
    # The draws the pictures show (smoke/draws.py), kept out of ``as_json``: the report's
    # pictures go to an HTML file or the editor's panel (smoke/pictures.py).
    pictures: dict[str, Any] | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["pictures"]
        return data


def fmt(value: float | None, digits: int = 2) -> str:
    return "nan" if value is None else f"{value:.{digits}f}"


def fmt_general(value: float | None) -> str:
    # NaN travels as null (protocol.encode): a step size of NaN is what a broken run has.
    return "nan" if value is None else f"{value:.3g}"


# --- runs that did not finish ---------------------------------------------------------------


def load_error_report(error: LoadError, model: str | None, path: str) -> SmokeReport:
    name = model or "the model"
    findings = (
        [SmokeFinding("error", "smoke-load", error.message, error.line)] if error.line else []
    )
    return SmokeReport(
        model=name,
        path=path,
        verdict="fail",
        summary=f"NUTS smoke test of {name} could not start: {first_line(error.message)}",
        details=error.message,
        findings=findings,
    )


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def build_report(plan: RunPlan, outcome: RunOutcome, settings: SmokeSettings) -> SmokeReport:
    if outcome.status == "result":
        report = result_report(plan, outcome, settings)
    elif outcome.status == "error":
        report = error_report(plan, outcome)
    else:
        report = stopped_report(plan, outcome)
    if plan.skipped:  # said in the summary too: the run was not of the whole file
        spans = ", ".join(f"{s.first}-{s.last}" for s in plan.skipped)
        report.summary += f" (lines {spans} left out: they do not parse yet)"
    imports = left_out_imports(outcome)
    if imports:
        report.summary += f" ({imports})"
    setup = left_out_setup(outcome)
    if setup:
        report.summary += f" ({setup})"
    return report


def left_out_entries(outcome: RunOutcome) -> list[dict[str, Any]]:
    """What the worker left out of the file: imports and the statements that use them, and
    failed platform calls (smoke/worker.py)."""
    with_payload = outcome.status in ("result", "error")
    return outcome.payload.get("left_out_imports") or [] if with_payload else []


def left_out_setup(outcome: RunOutcome) -> str:
    """The platform calls that failed and were left out."""
    return "; ".join(
        f"the platform call on line {entry['line']} left out ({entry['setup']}): the run is "
        "on this machine's default device"
        for entry in left_out_entries(outcome)
        if "setup" in entry
    )


def left_out_imports(outcome: RunOutcome) -> str:
    """What the worker left out because its interpreter lacks a package: the imports of it,
    and the statements that use what they would have bound (smoke/worker.py). A run that
    ended did not need them; one that failed may have."""
    lines: dict[tuple[str, str | None], list[int]] = {}
    for entry in left_out_entries(outcome):
        if "package" in entry:
            lines.setdefault((entry["package"], entry.get("installed")), []).append(entry["line"])
    needed = outcome.status == "result"
    return "; ".join(
        (f"`{package}` not in {installed} here" if installed else f"`{package}` not installed here")
        + f": {line_ranges(tuple(sorted(at)))} left out"
        + (f", the model did not need {'it' if len(at) == 1 else 'them'}" if needed else "")
        for (package, installed), at in lines.items()
    )


def error_report(plan: RunPlan, outcome: RunOutcome) -> SmokeReport:
    exception = outcome.payload["exception"]
    stated = f"{exception['type']}: {exception['message']}".strip().rstrip(":")
    hints = [left_out_hint(plan, exception) or hint_for(exception), defaults_hint(plan, outcome)]
    hint = " ".join(h for h in hints if h)
    message = f"{stated}\n\nHint: {hint}" if hint else stated
    line, site = exception_line(plan, exception)
    findings = [
        SmokeFinding("error", "smoke-exception", message, line, *_columns(plan, site), site)
    ]
    findings += warning_findings(plan, outcome.payload.get("warnings", []))
    where = f"{plan.path}:{line}"
    when = PHASE_WORDS.get(outcome.phase, "")
    summary = f"NUTS smoke test of {plan.model}: FAIL {when}: {first_line(stated)} ({where})"
    setup = left_out_setup(outcome)
    details = "\n".join(
        [
            header(plan, "fail"),
            *([setup] if setup else []),
            f"failed {when}, at {where}",
            "",
            message,
            "",
            exception.get("traceback", "").rstrip(),
            *worker_output(outcome),
        ]
    )
    return SmokeReport(plan.model, plan.path, "fail", summary, details, findings)


def exception_line(plan: RunPlan, exception: dict[str, Any]) -> tuple[int, str | None]:
    """The line to show an exception at: its innermost frame in the user's file, the line
    the arguments come from, the site its message names, or the model's ``def``."""
    frames = exception.get("frames", [])
    for frame in reversed(frames):
        if frame["file"] == plan.path:
            return frame["line"], None
    in_arguments = any(frame["file"] == ARGUMENTS_FILENAME for frame in frames)
    if in_arguments and plan.call.line:
        return plan.call.line, None
    site = site_named_in(plan, exception["message"])
    if site is not None:
        return plan.sites[site].line, site
    return plan.model_line, None


def stopped_report(plan: RunPlan, outcome: RunOutcome) -> SmokeReport:
    """Cancelled, timed out or crashed: the runner's message, and where the worker was."""
    line = next((f.line for f in outcome.stack if f.file == plan.path), None)
    where = f" It was at {plan.path}:{line}." if line else ""
    message = outcome.message + where
    if outcome.status == "timeout":
        message += " Raise the timeout, or run fewer warmup and sample iterations."
    findings = []
    if outcome.status != "cancelled":
        code = f"smoke-{outcome.status}"
        findings.append(SmokeFinding("error", code, message, line or plan.model_line))
    verdict: Verdict = "cancelled" if outcome.status == "cancelled" else "fail"
    word = verdict.upper()
    summary = f"NUTS smoke test of {plan.model}: {word}: {first_line(message)}"
    details = "\n".join([header(plan, verdict), message, *worker_output(outcome)])
    return SmokeReport(plan.model, plan.path, verdict, summary, details, findings)


def worker_output(outcome: RunOutcome) -> list[str]:
    if not outcome.worker_log.strip():
        return []
    return ["", "worker output:", outcome.worker_log.rstrip()]


def left_out_hint(plan: RunPlan, exception: dict[str, Any]) -> str | None:
    """A NameError for a name that lines left out of the run (they do not parse) define."""
    match = re.search(r"name '(\w+)' is not defined", exception.get("message", ""))
    if exception.get("type") != "NameError" or match is None:
        return None
    for skipped in plan.skipped:
        if match.group(1) in skipped.names:
            return (
                f"`{match.group(1)}` is defined on lines {skipped.first}-{skipped.last}, which "
                "do not parse yet, so the smoke test left them out; finish them and run it again."
            )
    return None


EMPTY_DEFAULTS = {"None", "0", "()", "[]", "{}", "''", '""'}


def defaults_hint(plan: RunPlan, outcome: RunOutcome) -> str | None:
    """For a model that failed while it ran with some parameters at their defaults (no call
    of the file passes them): which ones, and the comment that gives them."""
    # Those that stand for data (``data=None``, ``num_cases=0``) when there are such, not
    # the settings with a value of their own (``R0_est=4.5``).
    defaulted = [p for p in plan.call.defaulted if p[1] in EMPTY_DEFAULTS] or plan.call.defaulted
    if not defaulted or outcome.phase not in ("compiling", "sampling"):
        return None
    names = ", ".join(f"`{name}={default}`" for name, default in defaulted)
    example = ", ".join(f"{name}=..." for name, _ in defaulted)
    return (
        f"The model ran with {names}, the default{'s' if len(defaulted) > 1 else ''}: no "
        "`mcmc.run(...)` or `svi.run(...)` of this file passes "
        f"{'it' if len(defaulted) == 1 else 'them'}. Give the data with a "
        f"`# numpyro: smoke-args {example}` comment above the model."
    )


def header(plan: RunPlan, verdict: Verdict) -> str:
    """The report's first line, and the lines the run left out because they do not parse."""
    left_out = [
        f"left out lines {s.first}-{s.last}: they do not parse ({s.reason})" for s in plan.skipped
    ]
    script = []
    if plan.script and plan.script.lines:
        script = [f"ran from the script, to build the arguments: {line_ranges(plan.script.lines)}"]
    return "\n".join(
        [f"NUTS smoke test of {plan.model} ({plan.path}): {verdict.upper()}", *left_out, *script]
    )


def line_ranges(lines: tuple[int, ...]) -> str:
    """``lines 3-5, 9``."""
    ranges: list[list[int]] = []
    for line in lines:
        if ranges and line == ranges[-1][1] + 1:
            ranges[-1][1] = line
        else:
            ranges.append([line, line])
    words = [f"{a}-{b}" if a != b else f"{a}" for a, b in ranges]
    return ("lines " if len(lines) > 1 else "line ") + ", ".join(words)


# --- runs that finished ---------------------------------------------------------------------


def result_report(plan: RunPlan, outcome: RunOutcome, settings: SmokeSettings) -> SmokeReport:
    payload = outcome.payload
    sites = {name: SiteSummary.from_json(name, data) for name, data in payload["sites"].items()}
    draws = payload["draws"]
    divergences = sum(payload["divergences"])
    findings = [
        *divergence_findings(plan, divergences, draws),
        *site_findings(plan, sites, draws),
        *warning_findings(plan, payload["warnings"]),
    ]
    verdict = result_verdict(sites, divergences, draws, findings)
    timings = {**payload["timings"], "total_s": outcome.wall_s}
    if outcome.startup_s is not None:
        timings["startup_s"] = outcome.startup_s
    report = SmokeReport(
        model=plan.model,
        path=plan.path,
        verdict=verdict,
        summary="",
        details="",
        findings=findings,
        sites=sites,
        device=payload["device"],
        timings=timings,
        draws=draws,
        chains=payload["chains"],
        divergences=divergences,
        accept_prob=payload["accept_prob"],
        step_size=payload["step_size"],
        pictures=payload.get("pictures"),
    )
    report.summary = result_summary(report, payload["reused"])
    report.details = result_details(report, plan, settings, outcome)
    return report


def n_eff_bar(draws: int) -> float:
    return min(N_EFF_WARN, N_EFF_WARN_FRACTION * draws)


def result_verdict(
    sites: dict[str, SiteSummary], divergences: int, draws: int, findings: list[SmokeFinding]
) -> Verdict:
    r_hats = [s.max_r_hat for s in sites.values() if s.max_r_hat is not None]
    if (
        not all(s.finite for s in sites.values())
        or divergences > DIVERGENCE_FAIL_FRACTION * draws
        or any(r > R_HAT_FAIL for r in r_hats)
    ):
        return "fail"
    return "warn" if findings else "pass"


def divergence_findings(plan: RunPlan, divergences: int, draws: int) -> list[SmokeFinding]:
    if not divergences:
        return []
    counted = f"{divergences} of {draws} draws diverged ({divergences / draws:.1%})"
    if not plan.centered_sites:
        message = f"{counted}: the sampler meets a region of high curvature."
        return [SmokeFinding("warning", "smoke-divergences", message, plan.model_line)]
    return [
        SmokeFinding(
            "warning",
            "smoke-divergences",
            f"{counted}. `{site}` is a centered hierarchical site (its scale is sampled): "
            "non-centering it with `LocScaleReparam(centered=0)` usually removes them "
            "(Compare parameterizations measures it).",
            plan.sites[site].line,
            plan.sites[site].start,
            plan.sites[site].end,
            site,
        )
        for site in plan.centered_sites
        if site in plan.sites
    ]


def site_findings(plan: RunPlan, sites: dict[str, SiteSummary], draws: int) -> list[SmokeFinding]:
    findings = []
    for site in sites.values():
        position = plan.sites.get(site.name)
        line = position.line if position else plan.model_line
        place = (line, *_columns(plan, site.name), site.name)
        if not site.finite:
            message = f"`{site.name}` has NaN or infinite draws."
            findings.append(SmokeFinding("error", "smoke-non-finite", message, *place))
        if site.max_r_hat is not None and site.max_r_hat > R_HAT_WARN:
            message = (
                f"r_hat {site.max_r_hat:.2f} > {R_HAT_WARN} for `{site.name}`: the chains do "
                "not agree yet; reparameterize or run longer."
            )
            findings.append(SmokeFinding("warning", "smoke-r-hat", message, *place))
        bar = n_eff_bar(draws)
        if site.min_n_eff is not None and site.min_n_eff < bar:
            # One decimal where whole numbers would read "n_eff 5 < 5" (4.8 against 5).
            digits = 1 if round(site.min_n_eff) == round(bar) else 0
            message = (
                f"n_eff {site.min_n_eff:.{digits}f} < {bar:.{digits}f} for `{site.name}`: "
                f"the {draws} draws are strongly autocorrelated."
            )
            findings.append(SmokeFinding("information", "smoke-n-eff", message, *place))
    return findings


def warning_findings(plan: RunPlan, warnings: list[dict[str, Any]]) -> list[SmokeFinding]:
    findings = []
    for warning in warnings:
        site = site_named_in(plan, warning["message"])
        line = warning["line"] or (plan.sites[site].line if site else plan.model_line)
        message = f"{warning['category']}: {warning['message']}"
        start, end = _columns(plan, site) if site and not warning["line"] else (None, None)
        findings.append(SmokeFinding("warning", "smoke-warning", message, line, start, end, site))
    return findings


def site_named_in(plan: RunPlan, message: str) -> str | None:
    for match in SITE_IN_MESSAGE.finditer(message):
        if match[1] in plan.sites:
            return match[1]
    return None


def _columns(plan: RunPlan, site: str | None) -> tuple[int | None, int | None]:
    position: SitePosition | None = plan.sites.get(site) if site else None
    return (position.start, position.end) if position else (None, None)


def result_summary(report: SmokeReport, reused: bool) -> str:
    r_hats = [s.max_r_hat for s in report.sites.values() if s.max_r_hat is not None]
    n_effs = [s.min_n_eff for s in report.sites.values() if s.min_n_eff is not None]
    parts = [f"{report.divergences} divergences"]
    if r_hats:
        parts.append(f"max r_hat {max(r_hats):.2f}")
    if n_effs:
        parts.append(f"min n_eff {min(n_effs):.0f}")
    timings = report.timings
    ran = f"{timings['sampling_s'] + timings['warmup_s']:.2f} s on {report.device}"
    parts.append(ran + (", compiled sampler reused" if reused else ""))
    return f"NUTS smoke test of {report.model}: {report.verdict.upper()}: {' · '.join(parts)}"


def result_details(
    report: SmokeReport, plan: RunPlan, settings: SmokeSettings, outcome: RunOutcome
) -> str:
    reused = outcome.payload["reused"]
    t = report.timings
    times = [f"worker start and jax import {t['startup_s']:.2f} s"] if "startup_s" in t else []
    if reused:
        times.append("compiled sampler reused")
    else:
        times += [f"load {t['load_s']:.2f} s", f"compile {t['compile_s']:.2f} s"]
    times += [
        f"warmup {t['warmup_s']:.2f} s",
        f"sampling {t['sampling_s']:.2f} s",
        f"total {t['total_s']:.2f} s",
    ]
    chains = f"{settings.chains} chain{'s' if settings.chains > 1 else ''}"
    gibbs = plan.gibbs is not None
    imports, setup = left_out_imports(outcome), left_out_setup(outcome)
    lines = [
        header(plan, report.verdict),
        *([f"imports {imports}"] if imports else []),
        *([setup] if setup else []),
        f"device {report.device} · {chains} × ({settings.warmup} warmup + {settings.samples} "
        f"samples) · seed {settings.seed}",
        *([f"sampler: {gibbs_text(plan.gibbs)}, as the file samples it"] if gibbs else []),
        f"arguments: ({plan.call.arguments}) from {plan.call.origin}",
        "times: " + " · ".join(times),
        f"divergences {report.divergences} · mean accept prob {fmt(report.accept_prob)} · "
        f"step size {', '.join(fmt_general(s) for s in report.step_size)}",
        f"compilation cache: {outcome.payload.get('compile_cache', 'off')}",
        "",
        *site_table(report.sites.values()),
    ]
    if report.findings:
        lines += ["", "findings:"]
        lines += [f"  line {f.line}: {f.message}" for f in report.findings]
    lines += ["", f"thresholds: {THRESHOLDS}", *worker_output(outcome)]
    return "\n".join(lines)


def gibbs_text(options: dict[str, Any]) -> str:
    """``DiscreteHMCGibbs(NUTS(model), modified=True)``."""
    written = "".join(f", {name}={value!r}" for name, value in options.items())
    return f"DiscreteHMCGibbs(NUTS(model){written})"


def site_table(sites: Iterable[SiteSummary]) -> list[str]:
    rows = [("site", "mean", "sd", "n_eff", "r_hat")]
    for site in sites:
        names = site.element_names()
        for i, name in enumerate(names[:ELEMENTS_SHOWN]):
            rows.append(
                (
                    name,
                    fmt(site.mean[i]),
                    fmt(site.sd[i]),
                    fmt(site.n_eff[i], 1),
                    fmt(site.r_hat[i]),
                )
            )
        if len(names) > ELEMENTS_SHOWN:
            rows.append((f"  … {element_count(site) - ELEMENTS_SHOWN} more", "", "", "", ""))
    width = max(len(row[0]) for row in rows)
    return [f"{row[0]:<{width}}  " + "".join(f"{v:>9}" for v in row[1:]) for row in rows]


def element_count(site: SiteSummary) -> int:
    return math.prod(site.shape)
