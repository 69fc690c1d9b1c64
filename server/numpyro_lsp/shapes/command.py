"""``numpyro-lsp shapes FILE [--model NAME] [--json]``: the table and the shape findings.

Exit status 1 when a finding is a warning or worse (an error included), else 0; 2 for a file
that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import threading
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the Python file (or notebook) that defines the model")
    parser.add_argument("--model", help="the model function (default: the file's only model)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def shapes_command(args: argparse.Namespace) -> int:
    from numpyro_lsp.check import catalog_for_checks
    from numpyro_lsp.run_source import command_source
    from numpyro_lsp.shapes.run import trace_shapes
    from numpyro_lsp.smoke.runner import SmokeRunner

    path = Path(args.file).resolve()
    catalog = catalog_for_checks(args.python)
    run = command_source("shapes", args, path, catalog)
    if run is None:
        return 2
    runner = SmokeRunner(args.python)
    try:
        report = trace_shapes(
            runner,
            run.source,
            str(path),
            args.model,
            catalog,
            threading.Event(),
            cell_starts=run.cell_starts,
        )
    finally:
        runner.close()
    if args.json:
        print(json.dumps(run.named_json(report.as_json()), indent=1))
    else:
        print(run.named(report.details()))
    serious = any(f.severity in ("warning", "error") for f in report.findings)
    return 1 if serious or report.status in ("not-run", "timeout", "crashed") else 0
