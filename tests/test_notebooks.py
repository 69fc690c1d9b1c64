"""Notebooks as one program (analysis/notebook.py), and ``numpyro-lsp check`` of ``.ipynb``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from numpyro_lsp.analysis.notebook import mask_ipython, notebook_program
from numpyro_lsp.analysis.text import split_lines

HERE = Path(__file__).resolve().parent

IPYTHON_CELLS = [
    "%matplotlib inline\n!pip install -q numpyro\nimport numpyro",
    "files = !ls\nt = %timeit -o f()\nnumpyro.sample?\n?numpyro.sample\nnumpyro.plate??",
    "%%time\nx = 1\n%load_ext autoreload",
    "%%bash\necho hi\nfor i in 1 2; do echo $i; done",
    "  %%capture\nimport jax",
    # A magic alone in a block (rethinking-numpyro's first cells), and a shell escape.
    'import os\nif "SVG" in os.environ:\n    %config InlineBackend.figure_formats = ["svg"]\nx = 1',
    "for name in names:\n    !echo $name\n",
    # Magics without their ``%`` (automagic; srijaniiserprinceton/qdpy-numpyro's notebooks).
    "cd ..\nrun rotation_kernels.py\npip install numpyro\nmatplotlib inline\nx = 1",
]


@pytest.mark.parametrize("cell", IPYTHON_CELLS)
def test_ipython_syntax_masked_line_for_line(cell):
    masked = mask_ipython(cell)
    compile(masked, "<cell>", "exec")
    assert [len(line) for line in split_lines(masked)] == [len(x) for x in split_lines(cell)]


def test_python_left_as_is():
    # A cell that parses is not touched: a docstring's ``%`` line stays.
    cell = 'def f():\n    """Doc.\n    %not a magic\n    """\n    return 1 % 2'
    assert mask_ipython(cell) == cell
    # The Python lines of a magic cell are kept.
    assert mask_ipython("%%time\nx = 1").endswith("\nx = 1")
    assert mask_ipython("!ls\nx = 1 % 2") == "#ls\nx = 1 % 2"


def test_a_shell_escape_goes_on_over_lines_ended_by_a_backslash():
    # probml's GCP_CC.ipynb: ``!gcloud ... \`` with its options on the next lines, one command
    # for IPython (its TransformerManager joins them).
    cell = "!gcloud create x \\\n  --zone us \\\n  --v 2\nx = 1"
    assert mask_ipython(cell) == "#gcloud create x \\\n  #-zone us \\\n  #-v 2\nx = 1"


def test_a_magic_without_its_percent_is_masked_only_where_it_is_not_python():
    assert mask_ipython("cd ..\nimport numpyro") == "#d ..\nimport numpyro"
    # ``time`` and ``ls`` here are Python names: the lines stay as they are.
    cell = "time = 3\nls -la\nrun x.py"
    assert mask_ipython(cell) == "time = 3\nls -la\n#un x.py"
    # probml's GAN_JAX_CelebA_demo.ipynb: an assignment is never a magic, even one whose call
    # goes on over the next lines (it was read as ``%config`` and the cell as broken).
    cell = "%cd /content\nconfig = dict(\n    zdim=64,\n)\ncd .."
    assert mask_ipython(cell) == "#cd /content\nconfig = dict(\n    zdim=64,\n)\n#d .."


def test_a_timed_statement_stays_in_the_program():
    # dfm-io/post--intro-to-numpyro: ``%time sampler.run(key, plx_err, plx=plx)`` is the only
    # run of its models; IPython runs the statement, so the program has it.
    assert mask_ipython("%time sampler.run(key, x, y=y)") == "...;  sampler.run(key, x, y=y)"
    assert mask_ipython("if a:\n    %timeit f(x)") == "if a:\n    ...;    f(x)"
    # With options, or with nothing after it, the magic is masked as before.
    assert mask_ipython("%timeit -n 3 f()\nx = 1") == "#timeit -n 3 f()\nx = 1"
    assert mask_ipython("%time\nx = 1") == "#time\nx = 1"


def test_a_smoke_run_takes_the_arguments_of_a_timed_run():
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.smoke.loader import plan_run

    cells = [
        "import jax\nimport jax.numpy as jnp\nimport numpyro\nimport numpyro.distributions as dist"
        "\nfrom numpyro import infer",
        "def model(plx_err, plx=None):\n    d = numpyro.sample('d', dist.Normal(0.0, 1.0))\n"
        "    numpyro.sample('plx', dist.Normal(d, plx_err), obs=plx)",
        "errors = jnp.ones(3)\nsampler = infer.MCMC(infer.NUTS(model), num_warmup=5, num_samples=5)"
        "\n%time sampler.run(jax.random.PRNGKey(5), errors, plx=jnp.zeros(3))",
    ]
    plan = plan_run(numbered_cells(cells).source, "/n.ipynb", "model", load_catalog().catalog)
    assert plan.call.arguments == "errors, plx=jnp.zeros(3)"


def test_positions_map_both_ways():
    program = notebook_program([("a", "import numpyro\n"), ("b", "x = 1\ny = 2"), ("c", "z")])
    assert program.source == "import numpyro\n\nx = 1\ny = 2\nz"
    assert [(c.key, c.start, c.line_count) for c in program.cells] == [
        ("a", 0, 2),
        ("b", 2, 2),
        ("c", 4, 1),
    ]
    for index, cell in enumerate(program.cells):
        for line in range(cell.line_count):
            assert program.cell_at(program.program_line(index, line)) == (index, line)
    assert program.index_of("b") == 1


NOTEBOOK_CELLS = [
    ("markdown", "# A model"),
    (
        "code",
        "%matplotlib inline\nimport numpyro\nimport numpyro.distributions as dist\n"
        "from jax import random",
    ),
    (
        "code",
        "def model(y=None):\n"
        '    mu = numpyro.sample("mu", dist.Normal(0, 5))\n'
        '    tau = numpyro.sample("tau", dist.HalfCauchy(5))\n'
        '    theta = numpyro.sample("theta", dist.Normal(mu, tau))\n'
        '    numpyro.sample("obs", dist.Normal(theta, 1), obs=y)',
    ),
    ("markdown", "Draw once:"),
    ("code", '!echo hi\nnumpyro.sample("x", dist.Normal(0, 1))\nnumpyro.sample?'),
]


def write_notebook(path: Path, cells) -> Path:
    notebook = {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": text.splitlines(keepends=True)}
            | ({"outputs": [], "execution_count": None} if kind == "code" else {})
            for kind, text in cells
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))
    return path


def check(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", "check", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_check_reports_cell_line_column(tmp_path):
    write_notebook(tmp_path / "nb.ipynb", NOTEBOOK_CELLS)
    result = check("nb.ipynb", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "nb.ipynb:cell 3:4:28: NPR012 `theta` is a centered hierarchical site (its Normal "
        "depends on `mu`, `tau`): non-center it with `LocScaleReparam(centered=0)` if NUTS "
        "reports divergences",
        "nb.ipynb:cell 5:2:1: NPR001 `numpyro.sample` outside a model needs a key: pass "
        "`rng_key=random.PRNGKey(0)` or wrap it in `numpyro.handlers.seed(rng_seed=0)`",
    ]
    found = json.loads(check("--format", "json", "nb.ipynb", cwd=tmp_path).stdout)
    assert [(f["cell"], f["line"], f["column"], f["code"]) for f in found] == [
        (3, 4, 28, "NPR012"),
        (5, 2, 1, "NPR001"),
    ]


def test_check_names_the_lines_a_message_points_to_as_cells(tmp_path):
    cells = [
        ("markdown", "# Keys"),
        ("code", "from jax import random"),
        ("code", "key = random.PRNGKey(0)\nx = random.normal(key)\ny = random.normal(key)"),
        ("code", "z = x + y"),
    ]
    write_notebook(tmp_path / "keys.ipynb", cells)
    (line,) = check("--select", "NPR015", "keys.ipynb", cwd=tmp_path).stdout.splitlines()
    # The program's line 3 is the third cell's second (the markdown cell is not code).
    assert line.startswith("keys.ipynb:cell 3:3:")
    assert "already drew random numbers on cell 3, line 2:" in line


def test_check_finds_notebooks_in_folders(tmp_path):
    write_notebook(tmp_path / "nb.ipynb", NOTEBOOK_CELLS)
    (tmp_path / "model.py").write_text("import numpyro\nnumpyro.sample('x', None)\n")
    lines = check(".", cwd=tmp_path).stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        "model.py:2:1",
        "nb.ipynb:cell 3:4:28",
        "nb.ipynb:cell 5:2:1",
    ]


def test_check_unreadable_notebook(tmp_path):
    (tmp_path / "bad.ipynb").write_text("{not json")
    result = check("bad.ipynb", cwd=tmp_path)
    assert result.stdout.startswith("bad.ipynb:1:1: E902 cannot read: not a notebook")


def test_real_tutorial_gives_its_true_findings(tmp_path):
    """numpyro's own tutorial (tests/notebooks/README.md): `age_sigma` has a Normal prior
    and is used as a scale (a real mistake), and `age_impute` is centered (a hint)."""
    result = check("bayesian_imputation.ipynb", cwd=HERE / "notebooks")
    found = [line.split(" ")[:2] for line in result.stdout.splitlines()]
    assert found == [
        ["bayesian_imputation.ipynb:cell", "22:20:13:"],
        ["bayesian_imputation.ipynb:cell", "22:24:51:"],
    ]
    assert [line.split(": ")[1][:6] for line in result.stdout.splitlines()] == [
        "NPR012",
        "NPR008",
    ]


# Two patterns of numpyro's own tutorials (effect_handlers.ipynb, hierarchical_forecasting.ipynb)
# that the rules read wrong before: each quiet now, and the finding it was mistaken for still
# made where it holds.
CONDITIONED_OBS = """\
import numpyro
import numpyro.distributions as dist
from numpyro import handlers
from numpyro.infer import MCMC, NUTS


def linear_model(x):
    intercept = numpyro.sample("intercept", dist.Normal(0.0, 10.0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
    numpyro.sample("obs", dist.Normal(intercept * x, sigma))


def scan_model(y=None):
    loc = numpyro.sample("loc", dist.Normal(0.0, 1.0))
    scale = numpyro.sample("scale", dist.HalfNormal(1.0))
    with numpyro.handlers.condition(data={"obs": y}):
        numpyro.sample("obs", dist.Normal(loc, scale))
    numpyro.sample("free", dist.Normal(loc, scale))


conditioned = handlers.condition(linear_model, data={"obs": 1.0})
MCMC(NUTS(conditioned), num_warmup=10, num_samples=10)
value = handlers.seed(lambda: numpyro.sample("x", dist.Normal(0.0, 1.0)), rng_seed=0)()
numpyro.sample("y", dist.Normal(0.0, 1.0))
"""


def test_conditioned_sites_and_seeded_lambdas_are_not_reported():
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.rules.engine import check_source

    findings = check_source(CONDITIONED_OBS, load_catalog().catalog)
    reported = sorted((f.code, f.span.line) for f in findings)
    lines = CONDITIONED_OBS.splitlines()
    free = next(n for n, line in enumerate(lines, 1) if '"free"' in line)
    bare = next(n for n, line in enumerate(lines, 1) if 'sample("y"' in line)
    assert reported == [("NPR001", bare), ("NPR012", free)]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a\nb\nc", "a\nx\nb\nc"),  # a line inserted
        ("a\nb\nc", "a\nc"),  # a line removed
        ("a\nb\nc", "a\nb\nc\nd"),  # appended
        ("a\nb\nc", "a\nb"),  # the last line removed
        ("a\nb", "z\na\nb"),  # prepended
        ("a\nb\nc", "x\ny"),  # all replaced
        ("a\nb\nc", "a\nb!\nc"),  # a line changed
    ],
)
def test_program_change_turns_one_program_into_the_other(old, new):
    from lsprotocol import types

    from conftest import apply_text_edits
    from numpyro_lsp.features.notebooks import program_change

    change = program_change(split_lines(old), split_lines(new))
    edit = types.TextEdit(change.range, change.text)
    assert apply_text_edits(old, [edit]) == new
    assert program_change(split_lines(old), split_lines(old)) is None


def test_messages_name_the_program_lines_as_cells():
    from numpyro_lsp.features.notebooks import NotebookView, cell_terms

    program = notebook_program([("a", "import x\ny = 1"), ("b", "z = 2\nw = 3\nv = 4")])
    # The code cells are the notebook's 2nd and 4th (markdown between).
    view = NotebookView("file:///n.ipynb", 1, program, (1, 1), (2, 4))
    path = "/n.ipynb"
    assert cell_terms(view, path, "failed (/n.ipynb:4)") == "failed (/n.ipynb:cell 4:2)"
    assert cell_terms(view, path, "on line 2") == "on cell 2, line 2"
    assert cell_terms(view, path, "lines 3-5 left out") == "cell 4, lines 1-3 left out"
    assert cell_terms(view, path, "lines 2-3") == "cell 2, line 2 to cell 4, line 1"
    assert cell_terms(view, path, "no line here") == "no line here"
    assert cell_terms(view, path, "lines 1, 4-5 left out") == (
        "cell 2, line 1; cell 4, lines 2-3 left out"
    )
    # A traceback names the notebook's frames by cell, and leaves other files' lines alone.
    traceback = (
        '  File "/n.ipynb", line 4, in <module>\n'
        '  File "/site-packages/jax/_src/stages.py", line 435, in call\n'
        "ValueError: bad value on line 2\n"
    )
    assert cell_terms(view, path, traceback) == (
        '  File "/n.ipynb", cell 4, line 2, in <module>\n'
        '  File "/site-packages/jax/_src/stages.py", line 435, in call\n'
        "ValueError: bad value on cell 2, line 2\n"
    )


def numbered_cells(cells: list[str]):
    """The program of code cells keyed 1, 2, 3..."""
    return notebook_program([(str(i), text) for i, text in enumerate(cells, start=1)])


def test_a_smoke_run_keeps_a_class_whose_method_has_a_local_named_like_a_plots_variable():
    from numpyro_lsp.analysis.notebook import smoke_program

    cells = [
        "import matplotlib.pyplot as plt\nimport numpyro\nimport numpyro.distributions as dist",
        # A plot: left out, and ``x`` with it (what uses the module's ``x`` is a plot too).
        "for x in range(3):\n    plt.plot(x)",
        "class Shifted(dist.Normal):\n"
        "    def log_prob(self, x):\n        return super().log_prob(x - 1)",
        "def model():\n    numpyro.sample('y', Shifted(0.0, 1.0))",
    ]
    run = smoke_program(numbered_cells(cells), "model")
    assert "class Shifted(dist.Normal):" in run and "return super().log_prob(x - 1)" in run
    assert "plt.plot" not in run and "for x in range(3)" not in run


def test_a_loop_that_reuses_a_plots_loop_variable_is_not_a_plot():
    # rethinking-numpyro chapter 11: a plot's ``for i in ...`` cell, then the data simulated
    # with ``for i in range(N): career = career.at[i].set(...)``; the data, and the run's
    # arguments built from it, were left out as part of the plot.
    from numpyro_lsp.analysis.notebook import smoke_program

    cells = [
        "import jax.numpy as jnp\nimport matplotlib.pyplot as plt\nimport numpyro\n"
        "import numpyro.distributions as dist",
        "for i in range(3):\n    plt.plot(i)",
        "career = jnp.zeros(3)\nfor i in range(3):\n    career = career.at[i].set(i)\n"
        "with open('notes.txt') as i:\n    notes = i.read()",
        "def model(career):\n    numpyro.sample('y', dist.Normal(0.0, 1.0), obs=career)",
    ]
    run = smoke_program(numbered_cells(cells), "model")
    assert "career = career.at[i].set(i)" in run and "notes = i.read()" in run
    assert "plt.plot" not in run


def test_a_cell_ipython_dedents_is_in_the_program_dedented(tmp_path):
    # IPython takes a cell's first-line indentation off every line that starts with it:
    # probml/probml-notebooks' IPM_divergences.ipynb imports ``beta`` in a cell indented by
    # one space, which a later cell uses; statrethinking_lectures_numpyro indents a plot.
    cells = [
        " from scipy.stats import beta\n import numpyro.distributions as dist\n"
        " from plotnine import aes, geom_point, ggplot",
        "    (\n        ggplot(df, aes(x='area'))\n        + geom_point()\n    )",
        "def draw():\n    return beta.rvs(2, 2)",
        "  prior = dist.HalfNormal(-1.0)\n  %time beta.pdf(0.5, 2, 2)\nafter = 1",
    ]
    program = numbered_cells(cells)
    compile(program.source, "<notebook>", "exec")
    assert [cell.shifts for cell in program.cells] == [(1, 1, 1), (4, 4, 4, 4), (), (2, 2, 0)]
    write_notebook(tmp_path / "indented.ipynb", [("code", cell) for cell in cells])
    found = json.loads(check("--format", "json", "indented.ipynb", cwd=tmp_path).stdout)
    # ``beta`` is defined, and the finding is at its column in the cell as written.
    (negative,) = found
    assert negative["code"] == "NPR011"
    assert (negative["cell"], negative["line"]) == (4, 1)
    assert negative["column"] == cells[3].index("-1.0") + 1


def test_a_string_left_open_in_a_cell_ends_with_the_cell(tmp_path):
    # IPython parses each cell on its own: the open docstring is that cell's syntax error,
    # and the quotes that open a string below the model open a string of their own.
    cells = [
        ("code", "import numpyro\nimport numpyro.distributions as dist"),
        ("code", 'def helper(x):\n    """Draw\n    return x'),
        (
            "code",
            "def model(y=None):\n"
            "    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
            "    tau = numpyro.sample('tau', dist.HalfNormal(1))\n"
            "    with numpyro.plate('n', 8):\n"
            "        theta = numpyro.sample('theta', dist.Normal(mu, tau))\n"
            "        numpyro.sample('y', dist.Normal(theta, 1), obs=y)",
        ),
        ("code", 'stan_code = """\ndata { int J; }\n"""'),
    ]
    write_notebook(tmp_path / "nb.ipynb", cells)
    result = check("nb.ipynb", cwd=tmp_path)
    found = [line.split(" ")[:2] for line in result.stdout.splitlines()]
    assert found == [["nb.ipynb:cell", "2:2:5:"], ["nb.ipynb:cell", "3:5:32:"]], result.stdout
    assert "E999" in result.stdout.splitlines()[0] and "NPR012" in result.stdout.splitlines()[1]


def test_a_smoke_run_of_a_notebook_reads_a_string_left_open_above_as_its_cells_end(tmp_path):
    # A docstring being typed in a cell above the model's, read as one text, pairs with the
    # quotes that open the notes of the next cell; their closing quotes then open a string
    # that runs over the model. IPython runs each cell on its own, and so does the run: the
    # half-typed cell is left out and named.
    cells = [
        ("code", "import numpyro\nimport numpyro.distributions as dist"),
        ("code", 'def helper(x):\n    """Draw\n    return x'),
        ("code", 'notes = """\nOne site.\n"""'),
        ("code", "def model(y=None):\n    numpyro.sample('mu', dist.Normal(0, 1), obs=y)"),
    ]
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.run_source import read_run_source
    from numpyro_lsp.smoke.loader import plan_run

    catalog = load_catalog().catalog
    run = read_run_source(write_notebook(tmp_path / "nb.ipynb", cells), "model", catalog)
    plan = plan_run(run.source, str(tmp_path / "nb.ipynb"), "model", catalog, run.cell_starts)
    assert plan.model == "model"
    assert [(s.first, s.last, s.names) for s in plan.skipped] == [(3, 5, ("helper",))]
