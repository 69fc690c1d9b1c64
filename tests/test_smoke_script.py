"""Scripts as written (smoke/script_slice.py): when ``mcmc.run(...)`` is in the main block or
in ``main(args)``, the smoke test runs exactly the statements its arguments depend on, with
argparse's defaults, names the lines it ran, and never runs plots, prints, file writes,
network loads or inference."""

from __future__ import annotations

import threading

import pytest

from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.settings import SmokeSettings
from numpyro_lsp.smoke.loader import LoadError, plan_run
from numpyro_lsp.smoke.pipeline import run_smoke_test
from numpyro_lsp.smoke.runner import SmokeRunner

CATALOG = load_catalog().catalog
TINY = SmokeSettings(warmup=40, samples=40, chains=1, timeout_s=120)

HEADER = """\
import argparse

import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS


def model(x, y=None):
    alpha = numpyro.sample("alpha", dist.Normal(0, 5))
    beta = numpyro.sample("beta", dist.Normal(0, 5))
    sigma = numpyro.sample("sigma", dist.HalfNormal(1))
    numpyro.sample("y", dist.Normal(alpha + beta * x, sigma), obs=y)

"""

# numpyro's examples: the data made in main(args), args from argparse's defaults, the run in
# a helper; prints, a plot and a file write around it.
MAIN_ARGS = (
    HEADER
    + """
def make_data(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return x, 1.0 + 2.0 * x + 0.5 * rng.normal(size=n)


def run_inference(model, args, rng_key, x, y):
    mcmc = MCMC(NUTS(model), num_warmup=args.num_warmup, num_samples=args.num_samples)
    mcmc.run(rng_key, x, y=y)
    mcmc.print_summary()
    return mcmc.get_samples()


def main(args):
    x, y = make_data(args.num_data, seed=1)
    print("data", x.shape)
    x = jnp.asarray(x)
    samples = run_inference(model, args, random.PRNGKey(0), x, y)
    import matplotlib.pyplot as plt
    plt.hist(samples["beta"])
    plt.savefig("beta.png")
    with open("out.txt", "w") as f:
        f.write("done")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-data", type=int, default=100)
    parser.add_argument("--num-warmup", type=int, default=500)
    parser.add_argument("--num-samples", type=int, default=500)
    main(parser.parse_args())
"""
)

# A held-out script: the data built in the main block, plotted, then the run.
MAIN_BLOCK = (
    HEADER
    + """
if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    y = 1.0 + 2.0 * x + 0.5 * rng.normal(size=50)
    print(x.mean())
    import matplotlib.pyplot as plt
    plt.scatter(x, y)
    mcmc = MCMC(NUTS(model), num_warmup=200, num_samples=200)
    mcmc.run(random.PRNGKey(1), x, y=y)
    mcmc.print_summary()
"""
)


def line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


def plan(source: str, model: str | None = "model"):
    return plan_run(source, "/x/script.py", model, CATALOG)


def test_main_args_runs_the_statements_the_arguments_need_with_argparse_defaults():
    run = plan(MAIN_ARGS)
    assert run.call.origin == f"`mcmc.run` on line {line_of(MAIN_ARGS, 'mcmc.run(')}"
    ran = set(run.script.lines)
    for needed in (
        "x, y = make_data(",
        "x = jnp.asarray(x)",
        "samples = run_inference(",
        "parser = argparse.ArgumentParser()",
        'parser.add_argument("--num-data"',
        "main(parser.parse_args())",
    ):
        assert line_of(MAIN_ARGS, needed) in ran, needed
    for never in (
        'print("data"',
        "plt.hist",
        "plt.savefig",
        'open("out.txt"',
        "mcmc.print_summary",
    ):
        assert line_of(MAIN_ARGS, never) not in ran, never
    text = "".join(run.script.parts)
    assert "parse_args([])" in text and "parse_args()" not in text
    # Each part keeps the file's line numbers: tracebacks point at the user's lines.
    for part in run.script.parts:
        assert len(part.splitlines()) >= line_of(MAIN_ARGS, "x, y = make_data(")


def test_a_smoke_args_comment_still_overrides():
    source = MAIN_BLOCK.replace("def model(", "# numpyro: smoke-args 0.5, y=1.0\ndef model(")
    run = plan(source)
    assert run.script is None and run.call.arguments == "0.5, y=1.0"


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("    x = load_dataset(LYNXHARE)[1]()", "reads from the network (`load_dataset`)"),
        ('    x = np.loadtxt("https://example.org/x.csv")', "reads from the network"),
        ("    x = print(1) or x", "calls `print`"),
        ("    x = plt.plot(x) and x", "plots (`plt.plot`)"),
        ("    x.tofile(open('x.bin', 'wb'))", "opens a file for writing"),
        (
            "    x = MCMC(NUTS(model), num_warmup=5, num_samples=5).get_samples()['y']",
            "runs inference (`MCMC`)",
        ),
    ],
)
def test_a_needed_statement_that_must_not_run_refuses_with_its_line(statement, reason):
    source = MAIN_BLOCK.replace(
        "    print(x.mean())\n", "    print(x.mean())\n" + statement + "\n"
    ).replace(
        "from numpyro.infer import MCMC, NUTS",
        "from numpyro.infer import MCMC, NUTS, Predictive\n"
        "from numpyro.examples.datasets import LYNXHARE, load_dataset\n"
        "import matplotlib.pyplot as plt",
    )
    with pytest.raises(LoadError) as refused:
        plan(source)
    assert reason in refused.value.message, refused.value.message
    assert refused.value.line == line_of(source, statement.strip())
    assert "# numpyro: smoke-args" in refused.value.message


def test_a_run_in_a_loop_over_data_sets_is_refused():
    source = MAIN_BLOCK.replace(
        "    mcmc = MCMC(NUTS(model), num_warmup=200, num_samples=200)\n"
        "    mcmc.run(random.PRNGKey(1), x, y=y)\n",
        "    for scale in (1.0, 2.0):\n"
        "        mcmc = MCMC(NUTS(model), num_warmup=200, num_samples=200)\n"
        "        mcmc.run(random.PRNGKey(1), x * scale, y=y)\n",
    )
    with pytest.raises(LoadError) as refused:
        plan(source)
    assert "`scale`, which changes with each pass of the loop" in refused.value.message


# A notebook's habit: the model fitted to each data set in a loop at module level.
MODULE_LOOP = (
    HEADER
    + """
datasets = []
rng = np.random.default_rng(1)
for slope in (2.0, 3.0):
    x_s = rng.normal(size=50)
    datasets.append((x_s, 1.0 + slope * x_s + 0.5 * rng.normal(size=50)))

fits = []
key = random.PRNGKey(0)
for index in range(len(datasets)):
    key, key_ = random.split(key)
    x, y = datasets[index]
    mcmc = MCMC(NUTS(model), num_warmup=200, num_samples=200)
    mcmc.run(key_, x, y=y)
    fits.append(mcmc)
"""
)


def test_a_run_in_a_module_level_loop_takes_the_loops_first_pass():
    result = plan(MODULE_LOOP)
    run = line_of(MODULE_LOOP, "mcmc.run(key_")
    assert (result.call.arguments, result.call.origin) == ("x, y=y", f"`mcmc.run` on line {run}")
    assert result.script.lines == (
        line_of(MODULE_LOOP, "for index"),
        line_of(MODULE_LOOP, "x, y ="),
    )
    assert "index = next(iter((range(len(datasets)))))" in result.script.parts[0]
    # An unpacking loop has no first item to bind by name: still refused, and says why.
    unpacking = MODULE_LOOP.replace("for index in range(len(datasets)):", "for index, _ in []:")
    with pytest.raises(LoadError) as refused:
        plan(unpacking)
    assert "`index`, which the loop on line" in refused.value.message


def test_a_name_a_lambda_reads_is_built_for_it():
    source = (
        HEADER
        + """
if __name__ == "__main__":
    scale = 2.0
    x = np.arange(5.0)
    y = np.array(list(map(lambda v: v * scale, x)))
    mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)
    mcmc.run(random.PRNGKey(0), x, y=y)
"""
    )
    result = plan(source)
    assert result.script.lines == (
        line_of(source, "scale = 2.0"),
        line_of(source, "x = np.arange"),
        line_of(source, "y = np.array"),
    )


@pytest.fixture(scope="module")
def runner():
    runner = SmokeRunner()
    yield runner
    runner.close()


@pytest.mark.parametrize(
    "source", [MAIN_ARGS, MAIN_BLOCK, MODULE_LOOP], ids=["main-args", "main-block", "module-loop"]
)
def test_held_out_style_scripts_run_without_a_comment(runner, tmp_path, source):
    path = tmp_path / "script.py"
    path.write_text(source)
    report = run_smoke_test(runner, source, str(path), None, TINY, CATALOG, threading.Event())
    assert report.verdict in ("pass", "warn"), report.details
    assert "ran from the script, to build the arguments: lines " in report.details
    # The slope of the data the script builds: the script's own data reached the model.
    assert abs(report.sites["beta"].mean[0] - 2.0) < 0.5, report.details
    assert not (tmp_path / "out.txt").exists() and not (tmp_path / "beta.png").exists()


def test_an_error_in_the_scripts_statements_points_at_its_line(runner, tmp_path):
    source = MAIN_BLOCK.replace(
        "    y = 1.0 + 2.0 * x", "    y = 1.0 + 2.0 * x[:, None, None] @ np.ones(3)"
    )
    path = tmp_path / "script.py"
    path.write_text(source)
    report = run_smoke_test(runner, source, str(path), None, TINY, CATALOG, threading.Event())
    assert report.verdict == "fail"
    error = next(f for f in report.findings if f.severity == "error")
    assert error.line == line_of(source, "    y = 1.0 + 2.0 * x")
