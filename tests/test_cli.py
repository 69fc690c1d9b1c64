"""The command line: ``numpyro-lsp`` and ``python -m numpyro_lsp``."""

from __future__ import annotations

import subprocess
import sys

from numpyro_lsp import __version__
from numpyro_lsp.cli import build_parser


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", *args], capture_output=True, text=True, timeout=60
    )


def test_version_and_help():
    assert run("--version").stdout.strip() == f"numpyro-lsp {__version__}"
    help_text = run("--help").stdout
    assert "serve" in help_text and "--stdio" in help_text and "--tcp" in help_text


def test_serve_arguments():
    parser = build_parser()
    assert parser.parse_args(["--stdio"]).stdio is True
    assert parser.parse_args(["serve", "--tcp", "127.0.0.1:2087"]).tcp == ("127.0.0.1", 2087)
    assert parser.parse_args([]).command is None  # no command means serve over stdio


def test_bad_tcp_address_is_a_usage_error():
    result = run("--tcp", "nowhere")
    assert result.returncode == 2
    assert "expected HOST:PORT" in result.stderr
