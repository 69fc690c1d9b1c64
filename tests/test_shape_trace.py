"""The shape lens's trace, run in a real worker (the project's interpreter): each site's
batch, event, value and log-prob shapes and plates, the shape findings at the user's lines
with their fixes, and models that cannot be traced as they are."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.shapes.run import trace_shapes
from numpyro_lsp.smoke.runner import SmokeRunner

CATALOG = load_catalog().catalog
HEADER = """\
import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.contrib.control_flow import scan
"""


@pytest.fixture(scope="module")
def runner():
    runner = SmokeRunner()
    yield runner
    runner.close()


def shapes(runner, tmp_path, body: str, model: str | None = "model"):
    path = tmp_path / "model.py"
    source = HEADER + body
    path.write_text(source)
    report = trace_shapes(runner, source, str(path), model, CATALOG, threading.Event())
    return report, source


def line_of(source: str, marker: str) -> int:
    return source[: source.index(marker)].count("\n") + 1


def rows(report) -> dict[str, tuple]:
    return {
        s.name: (s.batch, s.event, s.value, s.log_prob, [(p.name, p.size, p.dim) for p in s.plates])
        for s in report.sites
    }


EIGHT_SCHOOLS = """
J = 8
y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])


def model(J, sigma, y=None):
    mu = numpyro.sample("mu", dist.Normal(0, 5))
    tau = numpyro.sample("tau", dist.HalfCauchy(5))
    with numpyro.plate("J", J):
        theta = numpyro.sample("theta", dist.Normal(mu, tau))
        numpyro.sample("obs", dist.Normal(theta, sigma), obs=y)
"""


def test_eight_schools(runner, tmp_path):
    report, source = shapes(runner, tmp_path, EIGHT_SCHOOLS)
    assert report.status == "ok", report.summary
    assert rows(report) == {
        "mu": ([], [], [], [], []),
        "tau": ([], [], [], [], []),
        "theta": ([8], [], [8], [8], [("J", 8, -1)]),
        "obs": ([8], [], [8], [8], [("J", 8, -1)]),
    }
    assert report.findings == []
    # The hints sit right after each call: `numpyro.sample(...)` and `numpyro.plate(...)`.
    hints = {h.label: (h.line, h.column) for h in report.hints}
    theta_line = line_of(source, 'theta = numpyro.sample("theta"')
    theta_text = source.splitlines()[theta_line - 1]
    assert hints["theta: (8,) | ()"] == (theta_line, len(theta_text))
    plate_line = line_of(source, 'with numpyro.plate("J", J)')
    assert hints["J=8, dim -1"] == (plate_line, len('    with numpyro.plate("J", J)'))
    assert report.site("theta").line == theta_line
    assert "theta  latent    Normal" in report.table


def test_regression_with_a_design_matrix(runner, tmp_path):
    report, _ = shapes(
        runner,
        tmp_path,
        """
X = np.ones((100, 3))
y = np.zeros(100)


def model(X, y=None):
    w = numpyro.sample("w", dist.Normal(0, 1).expand([X.shape[1]]).to_event(1))
    b = numpyro.sample("b", dist.Normal(0, 1))
    sigma = numpyro.sample("sigma", dist.Exponential(1.0))
    with numpyro.plate("data", X.shape[0]):
        mu = numpyro.deterministic("mu", X @ w + b)
        numpyro.sample("obs", dist.Normal(mu, sigma), obs=y)
""",
    )
    assert report.status == "ok", report.summary
    table = rows(report)
    assert table["w"][:4] == ([], [3], [3], [])
    assert report.site("w").distribution == "Normal.to_event(1)"
    assert table["obs"] == ([100], [], [100], [100], [("data", 100, -1)])
    assert report.site("mu").type == "deterministic"
    assert report.site("mu").value == [100]
    assert report.findings == []


def test_dirichlet_in_a_plate_is_an_event(runner, tmp_path):
    report, _ = shapes(
        runner,
        tmp_path,
        """
def model(N=20, K=3):
    with numpyro.plate("docs", N):
        p = numpyro.sample("p", dist.Dirichlet(jnp.ones(K)))
        numpyro.sample("w", dist.Categorical(p))
""",
    )
    assert report.status == "ok", report.summary
    assert rows(report)["p"] == ([20], [3], [20, 3], [20], [("docs", 20, -1)])
    assert report.findings == []


def test_scan_time_dimension(runner, tmp_path):
    report, _ = shapes(
        runner,
        tmp_path,
        """
def model(T=10):
    def step(level, t):
        level = numpyro.sample("level", dist.Normal(level, 1.0))
        return level, level

    scan(step, 0.0, jnp.arange(T))
""",
    )
    assert report.status == "ok", report.summary
    level = report.site("level")
    assert (level.value, level.batch, level.time_dim) == ([10], [10], -1)
    assert "scan time dim -1" in report.table
    assert report.findings == []


def test_enumerated_shapes(runner, tmp_path):
    report, _ = shapes(
        runner,
        tmp_path,
        """
y = np.zeros(50)


def model(y):
    w = numpyro.sample("w", dist.Dirichlet(jnp.ones(3)))
    mu = numpyro.sample("mu", dist.Normal(0, 5).expand([3]).to_event(1))
    with numpyro.plate("n", y.shape[0]):
        z = numpyro.sample("z", dist.Categorical(w), infer={"enumerate": "parallel"})
        numpyro.sample("y", dist.Normal(mu[z], 1), obs=y)
""",
    )
    assert report.status == "ok", report.summary
    table = rows(report)
    # Under enumeration z holds its 3 values at the dimension left of the plate.
    assert table["z"][2] == [3, 1]
    assert table["y"][3] == [3, 50]
    assert report.site("z").enumerate == "parallel"
    assert report.findings == []


MEAN_N1 = """
X = np.ones((100, 3))
y = np.zeros(100)


def model(X, y):
    w = numpyro.sample("w", dist.Normal(0, 1).expand([3]).to_event(1))
    with numpyro.plate("data", X.shape[0]):
        mu = (X @ w)[:, None]
        numpyro.sample("obs", dist.Normal(mu, 1.0), obs=y)
"""


def test_n1_mean_against_n_observations(runner, tmp_path):
    report, source = shapes(runner, tmp_path, MEAN_N1)
    assert report.status == "ok", report.summary
    # Shown real: numpyro scores 100 x 100 pairs.
    assert report.site("obs").log_prob == [100, 100]
    [finding] = report.findings
    assert finding.code == "shape-broadcast" and finding.severity == "warning"
    assert "(100, 100)" in finding.message and "(100, 1)" in finding.message
    line = line_of(source, 'numpyro.sample("obs"')
    text = source.splitlines()[line - 1]
    assert (finding.line, text[finding.start : finding.end]) == (line, "mu")
    assert finding.fix == {"kind": "replace_name", "name": "mu", "replacement": "mu.squeeze(-1)"}
    # The fix, applied, traces clean.
    fixed, _ = shapes(runner, tmp_path, MEAN_N1.replace("Normal(mu,", "Normal(mu.squeeze(-1),"))
    assert fixed.findings == [] and fixed.site("obs").log_prob == [100]


VECTOR_OBS = """
Y = np.zeros((50, 3))


def model(Y):
    mu = numpyro.sample("mu", dist.Normal(0, 1).expand([3]).to_event(1))
    with numpyro.plate("n", Y.shape[0]):
        numpyro.sample("y", dist.Normal(mu, 1), obs=Y)
"""


def test_vector_observation_without_to_event(runner, tmp_path):
    report, source = shapes(runner, tmp_path, VECTOR_OBS)
    assert report.status == "error"
    [finding] = report.findings
    assert finding.code == "shape-plate-mismatch" and finding.severity == "error"
    assert "(50,), (3,)" in finding.message
    line = line_of(source, 'numpyro.sample("y"')
    assert finding.line == line
    assert source.splitlines()[line - 1][finding.start : finding.end] == "dist.Normal(mu, 1)"
    assert finding.fix["replacement"] == "dist.Normal(mu, 1).to_event(1)"
    fixed, _ = shapes(
        runner, tmp_path, VECTOR_OBS.replace("Normal(mu, 1)", "Normal(mu, 1).to_event(1)")
    )
    assert fixed.status == "ok" and fixed.findings == []
    assert rows(fixed)["y"][:2] == ([50], [3])


def test_missing_plate(runner, tmp_path):
    report, source = shapes(
        runner,
        tmp_path,
        """
def model(N=10):
    with numpyro.plate("rows", N, dim=-2):
        numpyro.sample("x", dist.Normal(jnp.zeros((N, 4)), 1.0))
""",
    )
    assert report.status == "ok", report.summary
    [finding] = report.findings
    assert finding.code == "shape-missing-plate"
    assert "batch dimension -1 (size 4)" in finding.message and "(10, 4)" in finding.message
    assert finding.line == line_of(source, 'numpyro.sample("x"')


def test_observed_site_missing_its_index_gets_no_to_event(runner, tmp_path):
    """A parameter per group inside a plate over rows (the ``a[group]`` left out): the plate
    refuses it, and `.to_event(1)` would not fix it."""
    report, _ = shapes(
        runner,
        tmp_path,
        """
y = np.zeros(30)


def model(y):
    a = numpyro.sample("a", dist.Normal(0, 1).expand([4]).to_event(1))
    with numpyro.plate("rows", y.shape[0]):
        numpyro.sample("y", dist.Normal(a, 1), obs=y)
""",
    )
    [finding] = report.findings
    assert finding.code == "shape-plate-mismatch" and "(30,), (4,)" in finding.message
    assert finding.fix is None


def test_plate_size_against_parameter_size(runner, tmp_path):
    report, source = shapes(
        runner,
        tmp_path,
        """
def model():
    with numpyro.plate("groups", 5):
        numpyro.sample("a", dist.Normal(jnp.zeros(4), 1.0))
""",
    )
    [finding] = report.findings
    assert finding.code == "shape-plate-mismatch"
    assert "(5,), (4,)" in finding.message
    assert finding.fix is None  # a latent: no certain fix
    assert finding.line == line_of(source, 'numpyro.sample("a"')


def test_if_on_a_sampled_value(runner, tmp_path):
    report, source = shapes(
        runner,
        tmp_path,
        """
def model():
    mu = numpyro.sample("mu", dist.Normal(0, 1))
    if mu > 0:
        numpyro.sample("x", dist.Normal(mu, 1), obs=1.0)
""",
    )
    [finding] = report.findings
    assert finding.code == "shape-trace-error" and finding.severity == "error"
    assert "TracerBoolConversionError" in finding.message and "jnp.where" in finding.message
    assert finding.line == line_of(source, "if mu > 0")


def test_needs_data_names_a_positional_argument(runner, tmp_path):
    comment = "# numpyro: smoke-args jax.ShapeDtypeStruct((6,), jnp.int32)"
    report, _ = shapes(runner, tmp_path, comment + VALUE_DEPENDENT)
    [finding] = report.findings
    assert finding.message.startswith("The shape trace needs data for `ids`")


def test_data_given_only_as_shapes(runner, tmp_path):
    report, _ = shapes(
        runner,
        tmp_path,
        """
X = jax.ShapeDtypeStruct((100, 3), jnp.float32)
y = jax.ShapeDtypeStruct((100,), jnp.float32)


# numpyro: smoke-args X, y=y
def model(X, y=None):
    w = numpyro.sample("w", dist.Normal(0, 1).expand([X.shape[1]]).to_event(1))
    with numpyro.plate("data", X.shape[0]):
        numpyro.sample("obs", dist.Normal(X @ w, 1.0), obs=y)
""",
    )
    assert report.status == "ok", report.summary
    assert rows(report)["obs"] == ([100], [], [100], [100], [("data", 100, -1)])
    assert rows(report)["w"][1] == [3]


VALUE_DEPENDENT = """
def model(ids, y=None):
    groups = len(np.unique(ids))
    with numpyro.plate("groups", groups):
        a = numpyro.sample("a", dist.Normal(0, 1))
    numpyro.sample("y", dist.Normal(a[ids], 1), obs=y)
"""


def test_a_model_whose_python_reads_data_values(runner, tmp_path):
    given = "ids = np.array([0, 1, 1, 2, 2, 2])\n" + VALUE_DEPENDENT
    report, _ = shapes(runner, tmp_path, given)
    assert report.status == "ok", report.summary
    assert rows(report)["a"][0] == [3]
    shapes_only = (
        "# numpyro: smoke-args ids=jax.ShapeDtypeStruct((6,), jnp.int32)" + VALUE_DEPENDENT
    )
    report, source = shapes(runner, tmp_path, shapes_only)
    [finding] = report.findings
    assert finding.code == "shape-needs-data" and finding.severity == "information"
    assert finding.message.startswith("The shape trace needs data for `ids`")
    assert finding.line == line_of(source, "groups = len(np.unique(ids))")


def test_a_model_that_raises(runner, tmp_path):
    report, source = shapes(
        runner,
        tmp_path,
        """
def model():
    numpyro.sample("x", dist.Normal(0, 1))
    raise RuntimeError("not yet")
""",
    )
    assert (report.status, report.phase) == ("error", "tracing")
    [finding] = report.findings
    assert finding.code == "shape-trace-error"
    assert "RuntimeError: not yet" in finding.message
    assert finding.line == line_of(source, "raise RuntimeError")
    # The worker stays up for the next trace.
    again, _ = shapes(runner, tmp_path, EIGHT_SCHOOLS)
    assert again.status == "ok"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", "shapes", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_table_json_and_exit_status(tmp_path):
    good = tmp_path / "eight.py"
    good.write_text(HEADER + EIGHT_SCHOOLS)
    done = run_cli(str(good))
    assert done.returncode == 0, done.stderr
    assert "theta  latent    Normal        (8,)   ()     (8,)   (8,)      J=8@-1" in done.stdout
    bad = tmp_path / "bad.py"
    bad.write_text(HEADER + MEAN_N1)
    done = run_cli(str(bad), "--model", "model", "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    [finding] = report["findings"]
    assert finding["code"] == "shape-broadcast"
    assert finding["fix"]["replacement"] == "mu.squeeze(-1)"
    assert "obs" in report["table"]


def test_a_guide_with_params(runner, tmp_path):
    report, _ = shapes(
        runner,
        tmp_path,
        """
from numpyro.distributions import constraints

y = np.zeros(20)


def model(y):
    mu = numpyro.sample("mu", dist.Normal(0, 1))
    with numpyro.plate("n", y.shape[0]):
        numpyro.sample("y", dist.Normal(mu, 1), obs=y)


def guide(y):
    loc = numpyro.param("loc", jnp.zeros(3))
    scale = numpyro.param("scale", 1.0, constraint=constraints.positive)
    numpyro.sample("mu", dist.Normal(loc.sum(), scale))
""",
        model="guide",
    )
    assert report.status == "ok", report.summary
    assert [(s.name, s.kind, s.value) for s in report.sites] == [
        ("loc", "param", [3]),
        ("scale", "param", []),
        ("mu", "latent", []),
    ]


def test_an_error_in_the_files_own_code_is_told_apart(runner, tmp_path):
    report, source = shapes(
        runner,
        tmp_path,
        """
data = np.loadtxt("no-such-file.csv")


def model(data):
    numpyro.sample("x", dist.Normal(0, 1), obs=data)
""",
    )
    assert (report.status, report.phase) == ("error", "loading")
    assert report.findings[0].line == line_of(source, "data = np.loadtxt")


def test_a_script_whose_data_is_made_in_main(runner, tmp_path):
    """The smoke test's script slice (smoke/script_slice.py): the arguments built in the
    main block, with argparse's defaults."""
    report, _ = shapes(
        runner,
        tmp_path,
        """
import argparse

from jax import random
from numpyro.infer import MCMC, NUTS


def model(x, y=None):
    beta = numpyro.sample("beta", dist.Normal(0, 5))
    with numpyro.plate("data", x.shape[0]):
        numpyro.sample("y", dist.Normal(beta * x, 1.0), obs=y)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-data", type=int, default=70)
    args = parser.parse_args()
    x = np.linspace(0, 1, args.num_data)
    mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)
    mcmc.run(random.PRNGKey(0), x, y=2 * x)
""",
    )
    assert report.status == "ok", report.summary
    assert rows(report)["y"] == ([70], [], [70], [70], [("data", 70, -1)])
