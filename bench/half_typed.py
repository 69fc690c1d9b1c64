"""Half-typed code, measured in this process through the server's incremental analysis: how
many findings of the statements the user is not touching survive while a model is retyped
keystroke by keystroke, and whether the non-centering code actions are still offered on a
centered site while another function has an unfinished line."""

from __future__ import annotations

import ast
import time
from collections import Counter
from pathlib import Path
from typing import Any

from stats import latency_summary

ROOT = Path(__file__).resolve().parents[1]
EIGHT_SCHOOLS = ROOT / "examples" / "eight_schools.py"
UNFINISHED = "\n\ndef probe():\n    a = dist.\n"


def _model_spans(source: str) -> list[tuple[int, int, str]]:
    """Character offsets and names of the module-level functions, decorators included."""
    offsets = [0]
    for line in source.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    spans = []
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.FunctionDef):
            first = min([statement.lineno, *(d.lineno for d in statement.decorator_list)])
            spans.append((offsets[first - 1], offsets[statement.end_lineno], statement.name))
    return spans


def _findings_outside(document, catalog, settings, first: int, last: int, name: str) -> Counter:
    """The findings outside lines ``first`` to ``last`` that do not name function ``name``
    (one that does depends on it: a half-typed ``def model`` shadows an earlier ``model``)."""
    from numpyro_lsp.rules.engine import run_rules

    found = Counter()
    for finding in run_rules(document.analysis(catalog), document.lines, settings):
        if not first <= finding.span.line - 1 <= last and f"`{name}`" not in finding.message:
            line = document.lines[finding.span.line - 1]
            found[(finding.code, finding.message, line.strip())] += 1
    return found


def programs() -> list[str]:
    """The 8-schools example followed by every rule's bad example: findings in many
    statements, so that retyping one leaves others with findings to keep."""
    from numpyro_lsp.rules import RULES

    examples = [rule.example("Example") for rule in RULES.values()]
    return ["\n\n".join([EIGHT_SCHOOLS.read_text(), *examples])]


def retyping(step: int = 1) -> dict[str, Any]:
    """Each module-level function of each program deleted and typed back ``step`` characters
    at a time; per keystroke, the untouched statements' findings that were there with the
    function and without it are looked for."""
    from numpyro_lsp.analysis.document import DocumentIndex
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.rules.engine import RuleSettings

    catalog = load_catalog().catalog
    settings = RuleSettings(select=frozenset({"NPR"}))
    expected = kept = keystrokes = 0
    samples: list[float] = []
    sources = programs()
    for source in sources:
        for start, end, name in _model_spans(source):
            typed_text = source[start:end]
            first = source[:start].count("\n")
            whole = DocumentIndex().get("file:///whole.py", 0, source)
            without = DocumentIndex().get("file:///without.py", 0, source[:start] + source[end:])
            last_whole = first + typed_text.count("\n")
            stable = _findings_outside(whole, catalog, settings, first, last_whole, name)
            stable &= _findings_outside(without, catalog, settings, first, first - 1, name)
            documents = DocumentIndex()
            documents.get("file:///typed.py", 0, source[:start] + "\n" + source[end:])
            for version, typed in enumerate(range(step, len(typed_text) + 1, step), start=1):
                so_far = typed_text[:typed]
                tail = "" if so_far.endswith("\n") else "\n"
                text = source[:start] + so_far + tail + source[end:]
                began = time.process_time()
                document = documents.get("file:///typed.py", version, text)
                last = first + so_far.count("\n")
                now = _findings_outside(document, catalog, settings, first, last, name)
                samples.append(time.process_time() - began)
                expected += sum(stable.values())
                kept += sum((stable & now).values())
                keystrokes += 1
    return {
        "functions": sum(len(_model_spans(source)) for source in sources),
        "keystrokes": keystrokes,
        "expected": expected,
        "kept": kept,
        "lost_pct": 100.0 * (expected - kept) / expected if expected else 0.0,
        "keystroke_cpu_ms": latency_summary(samples),
    }


def actions_with_an_unfinished_line(repeat: int = 20) -> dict[str, Any]:
    """The non-centering actions on the centered ``theta`` of the 8-schools example, with and
    without an unfinished line in another function."""
    from numpyro_lsp.actions import non_center_actions
    from numpyro_lsp.analysis.document import DocumentIndex
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.rules.base import Span

    catalog = load_catalog().catalog
    source = EIGHT_SCHOOLS.read_text()
    line = source[: source.index('"theta", dist.Normal')].count("\n") + 1
    counts: dict[str, int] = {}
    samples: list[float] = []
    for name, text in (("as written", source), ("unfinished line", source + UNFINISHED)):
        for version in range(repeat):
            document = DocumentIndex().get("file:///actions.py", version, text)
            began = time.process_time()
            actions = non_center_actions(
                document, document.analysis(catalog), Span(line, 0, line, 0)
            )
            if name == "unfinished line":
                samples.append(time.process_time() - began)
        counts[name] = len(actions)
    offered = counts["unfinished line"]
    return {
        "offered": counts,
        "lost_pct": 100.0 * (counts["as written"] - offered) / max(counts["as written"], 1),
        "cpu_ms": latency_summary(samples),
    }


def measure_half_typed() -> dict[str, Any]:
    return {"retyping": retyping(), "actions": actions_with_an_unfinished_line()}
