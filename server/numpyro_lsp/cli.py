"""``numpyro-lsp``: the language server (``serve``, the default) and its command-line tools."""

from __future__ import annotations

import argparse
import logging
import sys

from numpyro_lsp import __version__


def parse_host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host, int(port)


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

    catalog = commands.add_parser("catalog", help="build the NumPyro catalog of this interpreter")
    catalog.add_argument("--python", help="interpreter whose numpyro to describe")
    catalog.add_argument("--out", help="where to write it (default: the per-version cache)")
    return parser


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


def serve(args: argparse.Namespace) -> int:
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=args.log_level)
    from numpyro_lsp.server import create_server

    server = create_server()
    if args.tcp:
        server.start_tcp(*args.tcp)
    else:
        server.start_io()
    return 0


def build_catalog_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from numpyro_lsp.catalog.store import CatalogBuildError, build_catalog

    try:
        path = build_catalog(args.python, Path(args.out) if args.out else None)
    except CatalogBuildError as error:
        print(f"numpyro-lsp: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "catalog":
        return build_catalog_command(args)
    return serve(args)
