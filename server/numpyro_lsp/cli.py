"""``numpyro-lsp``: the language server (``serve``, the default) and its command-line tools."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from numpyro_lsp import __version__


def parse_host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host, int(port)


def codes(value: str) -> frozenset[str]:
    from numpyro_lsp.settings import rule_codes

    try:
        return frozenset(rule_codes(tuple(c for c in value.split(",") if c.strip())) or ())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="numpyro-lsp", description="A language server and checker that knows NumPyro."
    )
    parser.add_argument("--version", action="version", version=f"numpyro-lsp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the language server (the default)")
    add_serve_arguments(serve)
    # ``numpyro-lsp --stdio`` (what vscode-languageclient runs) means ``serve --stdio``.
    add_serve_arguments(parser)

    check = commands.add_parser(
        "check", help="check files and folders for NumPyro mistakes (for CI and pre-commit)"
    )
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.add_argument("--select", type=codes, help="only these rules (codes or prefixes)")
    check.add_argument("--extend-select", type=codes, default=frozenset(), help="add rules")
    check.add_argument("--ignore", type=codes, default=frozenset(), help="skip these rules")
    add_python_argument(check)

    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--markdown", action="store_true", help="print docs/rules.md")

    catalog = commands.add_parser("catalog", help="build the NumPyro catalog of this interpreter")
    add_python_argument(catalog)
    catalog.add_argument("--out", help="where to write it (default: the per-version cache)")

    smoke = commands.add_parser("smoke", help="run a quick NUTS smoke test of a model")
    smoke.add_argument("file", help="the Python file (or notebook) that defines the model")
    smoke.add_argument(
        "--model", help="the model function (default: the file's only model, or the one it runs)"
    )
    add_smoke_settings_arguments(smoke)
    smoke.add_argument("--json", action="store_true", help="print the report as JSON")
    smoke.add_argument(
        "--html", metavar="FILE", help="write the report's pictures as one self-contained HTML file"
    )
    smoke.add_argument(
        "--png", metavar="DIR", help="write the report's pictures as PNG files (needs matplotlib)"
    )
    add_python_argument(smoke)

    from numpyro_lsp.shapes.command import add_arguments as add_shapes_arguments

    shapes = commands.add_parser("shapes", help="trace every site's shapes (no data, no sampling)")
    add_shapes_arguments(shapes)
    add_python_argument(shapes)

    advise = commands.add_parser(
        "advise", help="compare centered and non-centered parameterizations of a model's sites"
    )
    advise.add_argument("file", help="the Python file (or notebook) that defines the model")
    advise.add_argument(
        "--model", help="the model function (default: the file's only model, or the one it runs)"
    )
    add_smoke_settings_arguments(advise)
    advise.add_argument("--json", action="store_true", help="print the advice as JSON")
    add_python_argument(advise)
    return parser


def add_smoke_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """A flag for each smoke test setting that pyproject.toml may set: the flag comes first,
    then ``[tool.numpyro-lsp.smoke-test]``, then the default."""
    from numpyro_lsp.settings import SmokeSettings, Source, key_of, setting_fields

    for field in setting_fields(SmokeSettings):
        info = field.metadata["setting"]
        if info.pyproject:
            parser.add_argument(
                f"--{key_of(field, Source.PYPROJECT)}",
                type=field.type,
                dest=field.name,
                help=f"{info.doc} (default {field.default:g})",
            )


def add_python_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="the project's Python interpreter, whose numpyro is described and runs the smoke "
        "test (default: this one, if it has numpyro)",
    )


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    transport.add_argument(
        "--tcp", type=parse_host_port, metavar="HOST:PORT", help="listen on a TCP socket"
    )
    parser.add_argument("--log-file", help="write the server's log here")
    parser.add_argument(
        "--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    add_python_argument(parser)


def serve(args: argparse.Namespace) -> int:
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=args.log_level)
        # The editor's trace may let more of the server's records through
        # (features/client_log.py): the file keeps to its own level.
        logging.getLogger().handlers[0].setLevel(args.log_level)
    from numpyro_lsp.server import create_server

    server = create_server(args.python)
    if args.tcp:
        server.start_tcp(*args.tcp)
    else:
        server.start_io()
    return 0


def check_command(args: argparse.Namespace) -> int:
    from numpyro_lsp.check import format_json, format_text, override, project_settings, run_check
    from numpyro_lsp.rules.base import Severity

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"numpyro-lsp: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    settings, pyproject, problems = project_settings(Path.cwd())
    for problem in problems:
        print(f"numpyro-lsp: {problem}", file=sys.stderr)
    rules = override(settings.diagnostics.rules, args.select, args.extend_select, args.ignore)
    findings = run_check(args.paths, rules, settings.exclude, pyproject, args.python)
    output = format_json(findings) + "\n" if args.format == "json" else format_text(findings)
    sys.stdout.write(output)
    return 1 if any(f.severity >= Severity.WARNING for f in findings) else 0


def rules_command(args: argparse.Namespace) -> int:
    from numpyro_lsp.rules import RULES
    from numpyro_lsp.rules.docs import rules_markdown

    if args.markdown:
        sys.stdout.write(rules_markdown())
        return 0
    for code, rule in RULES.items():
        default = "" if rule.enabled_by_default else "  (off by default)"
        print(f"{code}  {rule.severity.name.lower():<11}  {rule.name}{default}")
    return 0


def build_catalog_command(args: argparse.Namespace) -> int:
    from numpyro_lsp.catalog.store import CatalogBuildError, build_catalog

    try:
        path = build_catalog(args.python, Path(args.out) if args.out else None)
    except CatalogBuildError as error:
        print(f"numpyro-lsp: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


def smoke_settings(args: argparse.Namespace, command: str):
    """The run's smoke settings (flags over ``[tool.numpyro-lsp.smoke-test]`` over the
    defaults) and the file's path; None for the settings after saying what is wrong."""
    from numpyro_lsp.check import project_settings
    from numpyro_lsp.settings import SmokeSettings, Source, key_of, read, setting_fields

    path = Path(args.file).resolve()
    project, _, warnings = project_settings(path.parent)
    for warning in warnings:  # the default is used for a wrong value in pyproject.toml
        print(f"numpyro-lsp {command}: {warning}", file=sys.stderr)
    flags = {
        key_of(field, Source.PYPROJECT): getattr(args, field.name)
        for field in setting_fields(SmokeSettings)
        if getattr(args, field.name, None) is not None
    }
    settings, problems = read(
        flags, SmokeSettings, base=project.smoke_test, prefix="--", say_fallback=False
    )
    if problems:
        print(f"numpyro-lsp {command}: " + "; ".join(problems), file=sys.stderr)
        return None, path
    return settings, path


def smoke_command(args: argparse.Namespace) -> int:
    """Exit status 0 for a pass or a warning, 1 for a failure, 2 for bad options."""
    import json
    import threading

    from numpyro_lsp.check import catalog_for_checks
    from numpyro_lsp.run_source import command_source
    from numpyro_lsp.smoke.pipeline import run_smoke_test
    from numpyro_lsp.smoke.runner import Progress, SmokeRunner

    settings, path = smoke_settings(args, "smoke")
    catalog = catalog_for_checks(args.python) if settings is not None else None
    run = command_source("smoke", args, path, catalog) if settings is not None else None
    if run is None:
        return 2

    phases: list[str] = []

    def show_phase(progress: Progress) -> None:
        if not phases or phases[-1] != progress.phase:
            phases.append(progress.phase)
            print(f"numpyro-lsp smoke: {progress.phase}...", file=sys.stderr, flush=True)

    runner = SmokeRunner(args.python)
    try:
        report = run_smoke_test(
            runner,
            run.source,
            str(path),
            args.model,
            settings,
            catalog,
            threading.Event(),
            show_phase,
            run.cell_starts,
        )
    finally:
        runner.close()
    if args.json:
        print(json.dumps(run.named_json(report.as_json()), indent=1))
    else:
        print(run.named(report.details))
        print(f"\n{run.named(report.summary)}")
    if args.html or args.png:
        from numpyro_lsp.smoke.picture_files import write_pictures

        for line in write_pictures(report, args.html, args.png):
            print(f"numpyro-lsp smoke: {line}", file=sys.stderr)
    return 1 if report.verdict == "fail" else 0


def advise_command(args: argparse.Namespace) -> int:
    """Exit status 0 with a recommendation, 1 without one (the model did not run, or it
    cannot start), 2 for bad options."""
    import json
    import threading

    from numpyro_lsp.advise.pipeline import AdviceError, AdviceProgress, advise
    from numpyro_lsp.check import catalog_for_checks
    from numpyro_lsp.run_source import command_source
    from numpyro_lsp.smoke.runner import SmokeRunner

    settings, path = smoke_settings(args, "advise")
    catalog = catalog_for_checks(args.python) if settings is not None else None
    run = command_source("advise", args, path, catalog) if settings is not None else None
    if run is None:
        return 2

    shown: set[int] = set()

    def show_variant(progress: AdviceProgress) -> None:
        if progress.index not in shown:
            shown.add(progress.index)
            print(
                f"numpyro-lsp advise: {progress.index}/{progress.count} {progress.variant}...",
                file=sys.stderr,
                flush=True,
            )

    runner = SmokeRunner(args.python)
    try:
        advice, _ = advise(
            runner,
            run.source,
            str(path),
            args.model,
            settings,
            catalog,
            threading.Event(),
            show_variant,
            run.cell_starts,
        )
    except AdviceError as error:
        print(f"numpyro-lsp advise: {run.named(str(error))}", file=sys.stderr)
        return 1
    finally:
        runner.close()
    if args.json:
        print(json.dumps(run.named_json(advice.as_json()), indent=1))
    else:
        print(run.named(advice.details))
    return 0 if advice.recommended else 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "catalog":
        return build_catalog_command(args)
    if args.command == "check":
        return check_command(args)
    if args.command == "rules":
        return rules_command(args)
    if args.command == "smoke":
        return smoke_command(args)
    if args.command == "shapes":
        from numpyro_lsp.shapes.command import shapes_command

        return shapes_command(args)
    if args.command == "advise":
        return advise_command(args)
    return serve(args)
