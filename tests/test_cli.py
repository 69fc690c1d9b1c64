"""The command line: ``numpyro-lsp`` and ``python -m numpyro_lsp``."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT
from numpyro_lsp import __version__
from numpyro_lsp.cli import build_parser


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", *args], capture_output=True, text=True, timeout=120
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


def test_smoke_test_of_the_eight_schools_example():
    result = run("smoke", str(ROOT / "examples" / "eight_schools.py"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model"] == "eight_schools" and report["verdict"] == "warn"
    assert report["divergences"] > 0
    assert [f["site"] for f in report["findings"] if f["code"] == "smoke-divergences"] == ["theta"]
    assert "compiling..." in result.stderr


def test_smoke_test_that_cannot_start_says_why(tmp_path):
    model = tmp_path / "model.py"
    model.write_text(
        "import numpyro\nimport numpyro.distributions as dist\n\n\n"
        "def model(n):\n    numpyro.sample('x', dist.Normal(0, 1).expand([n]))\n"
    )
    result = run("smoke", str(model), "--samples", "10")
    assert result.returncode == 1
    assert "`model` needs `n`" in result.stdout
    assert "# numpyro: smoke-args n=..." in result.stdout
    bad = run("smoke", str(model), "--chains", "0")
    assert bad.returncode == 2 and "--chains: expected a whole number of at least 1" in bad.stderr


def notebook(path, cells: list[str]):
    """An ``.ipynb`` of a markdown cell, then ``cells`` as code cells."""
    entries = [{"cell_type": "markdown", "metadata": {}, "source": ["# A model"]}]
    entries += [
        {
            "cell_type": "code",
            "metadata": {},
            "source": text,
            "outputs": [],
            "execution_count": None,
        }
        for text in cells
    ]
    path.write_text(
        json.dumps({"cells": entries, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    return path


MODEL_CELLS = [
    "import numpyro\nimport numpyro.distributions as dist\nimport jax.numpy as jnp",
    "def model():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
    "    numpyro.sample('x', dist.Normal(mu, 1), obs=jnp.array([0.5, 1.0, 1.5]))",
    # Below the model's cell: a smoke test of the model never runs it.
    "raise RuntimeError('a later cell')",
]


# The imports and a model of ``x`` and ``y``: the first cells of the notebooks below.
XY_CELLS = [
    MODEL_CELLS[0] + "\nfrom jax import random\nfrom numpyro.infer import MCMC, NUTS",
    "def model(x, y=None):\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
    "    numpyro.sample('y', dist.Normal(mu * x, 1), obs=y)",
]


def passed_smoke(path, draws: int) -> dict:
    """``numpyro-lsp smoke --json`` of the notebook, which must pass or warn."""
    result = run("smoke", str(path), "--samples", str(draws), "--warmup", str(draws), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] in ("pass", "warn") and "mu" in report["sites"]
    return report


def test_smoke_test_of_a_notebook_runs_the_cells_down_to_the_model(tmp_path):
    path = notebook(tmp_path / "model.ipynb", MODEL_CELLS)
    result = run("smoke", str(path), "--samples", "100", "--warmup", "100", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] in ("pass", "warn") and "mu" in report["sites"]


def test_a_notebook_takes_the_definitions_of_the_files_it_runs(tmp_path):
    # derekpowell/probjudge: ``%run -i 'model_helpers.py'`` defines ``make_model_data``, which
    # a cell calls to build the model's data. The file's other statements never run.
    (tmp_path / "model_helpers.py").write_text(
        "import jax.numpy as jnp\n\n\ndef make_data(n):\n    return jnp.linspace(0.0, 1.0, n)\n\n\n"
        "raise RuntimeError('the helper file ran past its definitions')\n"
    )
    cells = [
        XY_CELLS[0] + "\n%run -i 'model_helpers.py'",
        XY_CELLS[1],
        "x = make_data(4)\nmcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50)\n"
        "mcmc.run(random.PRNGKey(0), x, y=2.0 * x)",
    ]
    passed_smoke(notebook(tmp_path / "model.ipynb", cells), 50)


def test_a_notebook_report_names_cells_not_program_lines(tmp_path):
    # The model's own error, on the second line of the notebook's third cell.
    cells = [
        MODEL_CELLS[0],
        "def model():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        "    numpyro.sample('x', dist.Normal(mu, -1.0), obs=1.0)",
    ]
    path = notebook(tmp_path / "model.ipynb", cells)
    result = run("smoke", str(path), "--samples", "20", "--warmup", "20", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    (error,) = [f for f in report["findings"] if f["code"] == "smoke-exception"]
    assert (error["cell"], error["line"]) == (3, 3)
    assert f"{path}:cell 3:3" in report["summary"]
    shapes = run("shapes", str(path), "--json")
    assert json.loads(shapes.stdout)["path"] == str(path), shapes.stderr


def test_a_notebook_model_takes_its_data_from_the_run_in_a_cell_below(tmp_path):
    # A notebook's usual order: the model's cell, a cell that prepares its data, the cell
    # that runs it; and a cell below that which the smoke test never runs.
    cells = [
        *XY_CELLS,
        "xs = []\nxs.extend([0.5, 1.0, 1.5])\nx = jnp.array(xs)\ny = 2.0 * x",
        "mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50)\n"
        "mcmc.run(random.PRNGKey(0), x, y=y)",
        "raise RuntimeError('a later cell')",
    ]
    report = passed_smoke(notebook(tmp_path / "model.ipynb", cells), 100)
    # The run's data: ``y`` observed, three values, ``mu`` near 2.
    assert 1.0 < report["sites"]["mu"]["mean"][0] < 3.0
