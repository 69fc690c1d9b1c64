"""The model mistakes numpyro users make, run in a real worker: each error lands on the right
line of the user's file with its hint, and warnings become findings at their site."""

from __future__ import annotations

import base64
import re
import threading
import time

import numpy as np
import pytest

from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.settings import SmokeSettings
from numpyro_lsp.smoke.pipeline import run_smoke_test
from numpyro_lsp.smoke.runner import SmokeRunner

CATALOG = load_catalog().catalog
TINY = SmokeSettings(warmup=20, samples=20, chains=1, timeout_s=60)
HEADER = """\
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
"""


@pytest.fixture(scope="module")
def runner():
    runner = SmokeRunner()
    yield runner
    runner.close()


def smoke(runner, tmp_path, body: str):
    path = tmp_path / "model.py"
    source = HEADER + body
    path.write_text(source)
    report = run_smoke_test(runner, source, str(path), "model", TINY, CATALOG, threading.Event())
    return report, source


def line_of(source: str, marker: str) -> int:
    return source[: source.index(marker)].count("\n") + 1


@pytest.mark.parametrize(
    ("body", "exception", "marker", "hint"),
    [
        (
            "def model():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
            "    if mu > 0:\n        numpyro.sample('x', dist.Normal(mu, 1), obs=1.0)\n",
            "TracerBoolConversionError",
            "if mu > 0",
            "Branch with `jnp.where`",
        ),
        (
            "def model():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
            "    numpyro.sample('x', dist.Normal(np.exp(mu), 1), obs=1.0)\n",
            "TracerArrayConversionError",
            "np.exp(mu)",
            "use `jax.numpy`",
        ),
        (
            "def model():\n    n = numpyro.sample('n', dist.Normal(3, 1))\n"
            "    for i in range(int(n)):\n        pass\n",
            "ConcretizationTypeError",
            "range(int(n))",
            "needs a concrete number",
        ),
        (
            "def model():\n    for i in range(3):\n"
            "        numpyro.sample('x', dist.Normal(0, 1))\n",
            "AssertionError",
            "numpyro.sample('x'",
            "Two sample sites share a name",
        ),
        (
            "def model():\n    s = numpyro.sample('s', dist.Normal(0, 1))\n"
            "    numpyro.sample('x', dist.Normal(0, s), obs=1.0)\n",
            "ValueError",
            "dist.Normal(0, s)",
            "give that site a positive prior",
        ),
        (
            "y = numpyro.sample('y', dist.Normal(0, 1))\n\n\ndef model():\n"
            "    numpyro.sample('x', dist.Normal(0, 1), obs=y)\n",
            "AssertionError",
            "y = numpyro.sample",
            "pass `rng_key=jax.random.PRNGKey(0)`",
        ),
        (
            "def model():\n    r = numpyro.sample('r', dist.Exponential(1.0))\n"
            "    numpyro.sample('x', dist.Exponential(r), obs=jnp.array([-1.0, 2.0]))\n",
            "RuntimeError",
            "def model",
            "no negative values for an Exponential",
        ),
        (
            "def model():\n    mu = numpyro.sample('mu', dist.Normal(jnp.zeros(3), 1))\n"
            "    numpyro.sample('x', dist.Normal(mu, 1), obs=jnp.zeros(4))\n",
            "ValueError",
            "def model",
            "check each plate's size against the data's length",
        ),
        (
            "def model():\n    with numpyro.plate('n', 5):\n"
            "        numpyro.sample('mu', dist.Normal(jnp.zeros(3), 1))\n",
            "ValueError",
            "numpyro.sample('mu'",
            "check each plate's size against the data's length",
        ),
        (
            # Unbounded support: fails with or without funsor installed (the dev extras have it).
            "def model():\n    k = numpyro.sample('k', dist.Poisson(3.0))\n"
            "    numpyro.sample('x', dist.Normal(k, 1), obs=1.0)\n",
            "RuntimeError",
            "numpyro.sample('k'",
            "DiscreteHMCGibbs",
        ),
        (
            "assert numpyro.__version__.startswith('0.1.')\n\n\n"
            "def model():\n    numpyro.sample('x', dist.Normal(0, 1))\n",
            "AssertionError",
            "assert numpyro.__version__",
            "the project's interpreter is not the one the file expects",
        ),
        (
            # numpyro_adjective_modelling's simulation models: data only as defaults; the
            # settings with a value of their own are not named (dsheldon/covid's R0_est=4.5).
            "def model(states=None, data=None, scale=4.5):\n"
            "    with numpyro.plate('data', len(states)):\n"
            "        numpyro.sample('x', dist.Normal(0, scale), obs=data)\n",
            "TypeError",
            "len(states)",
            "ran with `states=None`, `data=None`, the defaults: no `mcmc.run(...)`",
        ),
        (
            # jurader/irt_pystan_numpyro's benchmarks, whose run is in a loop it cannot take.
            "def model(y=None, num_cases=0):\n    with numpyro.plate('case', num_cases):\n"
            "        numpyro.sample('y', dist.Normal(0, 1), obs=y)\n",
            "AssertionError",
            "with numpyro.plate('case'",
            "ran with `y=None`, `num_cases=0`, the defaults: no `mcmc.run(...)`",
        ),
    ],
    ids=[
        "if-on-traced",
        "numpy-on-traced",
        "int-of-traced",
        "duplicate-site",
        "real-prior-as-scale",
        "sample-without-key",
        "no-valid-initial-point",
        "shape-mismatch",
        "plate-mismatch",
        "discrete-latent",
        "module-level-assert",
        "data-left-to-none",
        "size-left-to-zero",
    ],
)
def test_known_errors_point_at_the_line_with_a_hint(
    runner, tmp_path, body, exception, marker, hint
):
    report, source = smoke(runner, tmp_path, body)
    assert report.verdict == "fail"
    error = next(f for f in report.findings if f.code == "smoke-exception")
    assert error.message.startswith(exception), error.message
    assert hint in error.message
    assert error.line == line_of(source, marker)


def test_warnings_become_findings_at_their_site(runner, tmp_path):
    report, source = smoke(
        runner,
        tmp_path,
        "y = jnp.arange(5.0)\n\n\ndef model():\n"
        "    mu = numpyro.sample('mu', dist.Normal(jnp.zeros((5, 1)), 1).to_event(2))\n"
        "    with numpyro.plate('n', 5):\n"
        "        numpyro.sample('obs', dist.Normal(mu, 1), obs=y)\n",
    )
    assert report.verdict == "warn"
    (warning,) = [f for f in report.findings if f.code == "smoke-warning"]
    assert "Missing a plate statement" in warning.message
    assert (warning.line, warning.site) == (line_of(source, "numpyro.sample('obs'"), "obs")


def test_the_enumeration_warning_points_at_the_discrete_site(runner, tmp_path):
    report, source = smoke(
        runner,
        tmp_path,
        "def model():\n    z = numpyro.sample('z', dist.Bernoulli(0.5))\n"
        "    numpyro.sample('x', dist.Normal(z, 1), obs=1.0)\n",
    )
    (warning,) = [f for f in report.findings if f.code == "smoke-warning"]
    assert warning.message.startswith("FutureWarning: Some algorithms will automatically")
    assert (warning.line, warning.site) == (line_of(source, "numpyro.sample('z'"), "z")


def test_an_unchanged_model_reuses_its_compiled_sampler(runner, tmp_path):
    body = "def model():\n    numpyro.sample('x', dist.Normal(0, 1))\n"
    first, _ = smoke(runner, tmp_path, body)
    started = time.perf_counter()
    again, _ = smoke(runner, tmp_path, body)
    assert first.verdict in ("pass", "warn") and again.verdict == first.verdict
    assert "compiled sampler reused" in again.summary
    assert time.perf_counter() - started < 1.0


def test_a_half_typed_function_elsewhere_is_left_out_and_named(runner, tmp_path):
    body = (
        "def model():\n    numpyro.sample('mu', dist.Normal(0, 1))\n\n\n"
        "def probe():\n    a = dist.\n"
    )
    report, source = smoke(runner, tmp_path, body)
    assert report.verdict in ("pass", "warn"), report.details
    first = line_of(source, "def probe")
    assert f"left out lines {first}-{first + 1}: they do not parse" in report.details
    assert report.summary.endswith(f"(lines {first}-{first + 1} left out: they do not parse yet)")
    assert all(f.code != "smoke-load" for f in report.findings)


def test_a_model_calling_a_half_typed_helper_is_told_which_lines(runner, tmp_path):
    body = (
        "def helper(x):\n    return x +\n\n\n"
        "def model():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        "    numpyro.sample('y', dist.Normal(helper(mu), 1), obs=1.0)\n"
    )
    report, source = smoke(runner, tmp_path, body)
    assert report.verdict == "fail"
    (finding,) = [f for f in report.findings if f.code == "smoke-exception"]
    first = line_of(source, "def helper")
    assert f"`helper` is defined on lines {first}-{first + 1}, which do not parse yet" in (
        finding.message
    )


# A model whose data a module-level name holds, named by a smoke-args comment.
MODEL_OF_Y_OBS = (
    "y_obs = jnp.array([0.5, 1.0])\n\n\n"
    "# numpyro: smoke-args y_obs\n"
    "def model(y):\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
    "    numpyro.sample('x', dist.Normal(mu, 1), obs=y)\n"
)
# Packages no interpreter has: a plotting or data library the project's interpreter lacks.
MISSING_IMPORTS = (
    "import os, numpyro_lsp_absent_plots as plots\n"
    "from numpyro_lsp_absent_data.frames import load\n"
)


def test_an_import_of_a_package_not_installed_is_left_out_when_the_model_needs_none(
    runner, tmp_path
):
    body = MISSING_IMPORTS + (
        "\n\ndef model():\n    numpyro.sample('mu', dist.Normal(0, 1))\n"
        "    numpyro.sample('x', dist.Normal(0, 1), obs=float(len(os.sep)))\n"
    )
    report, source = smoke(runner, tmp_path, body)
    assert report.verdict in ("pass", "warn"), report.details
    plots, data = line_of(source, "import os"), line_of(source, "from numpyro_lsp_absent")
    named = (
        f"`numpyro_lsp_absent_plots` not installed here: line {plots} left out, the model did "
        f"not need it; `numpyro_lsp_absent_data` not installed here: line {data} left out"
    )
    assert named in report.summary
    assert named in report.details
    # ``os``, imported in the same statement, was imported: the model uses it and ran.
    assert "mu" in report.sites


def test_statements_that_use_a_package_not_installed_are_left_out_with_what_they_bind(
    runner, tmp_path
):
    body = (
        MISSING_IMPORTS
        + (
            "frame = load('y.csv')\nsummary = frame.describe()\nrows = len(frame) + 1\n"
            "figure = plots.figure()\n"
        )
        + MODEL_OF_Y_OBS
    )
    report, source = smoke(runner, tmp_path, body)
    assert report.verdict in ("pass", "warn"), report.details
    line = {text: line_of(source, text) for text in ("import os", "from", "frame =", "figure")}
    # ``summary`` and ``rows`` use ``frame``, which stands for the missing package in turn.
    plots = f"lines {line['import os']}, {line['figure']}"
    data = f"lines {line['from']}-{line['frame ='] + 2}"
    assert (
        f"(`numpyro_lsp_absent_plots` not installed here: {plots} left out, the model did not "
        f"need them; `numpyro_lsp_absent_data` not installed here: {data} left out"
    ) in report.summary


def test_a_support_that_depends_on_a_sampled_value_runs_and_keeps_draws_inside_it(runner, tmp_path):
    # numpyro 0.22 takes ``less_than(high)`` with ``high`` sampled for a fixed support: its
    # own MCMC constrains every draw of ``x`` with the first ``high``, and the smoke test's
    # compiled sampler, holding a value of another trace, stopped with "Computation compiled
    # for 30 inputs but called with 28".
    report, _ = smoke(
        runner,
        tmp_path,
        "def model():\n    high = numpyro.sample('high', dist.Normal(0.0, 1.0))\n"
        "    numpyro.sample('x', dist.TruncatedNormal(0.0, 1.0, high=high))\n",
    )
    assert report.verdict in ("pass", "warn"), report.details
    draws = {
        element["name"]: np.frombuffer(base64.b64decode(element["values"]), dtype="<f4")
        for element in report.pictures["elements"]
    }
    assert draws["x"].size == draws["high"].size > 0
    assert (draws["x"] < draws["high"]).all()


def test_a_star_import_of_a_package_not_installed_is_left_out_with_what_uses_it(runner, tmp_path):
    # statrethinking_lectures_numpyro's notebooks: ``from plotnine import *`` for the plots.
    body = (
        "from numpyro_lsp_absent_plots import *\nchart = ggplot(None) + geom_point()\n"
        + MODEL_OF_Y_OBS
    )
    report, source = smoke(runner, tmp_path, body)
    assert report.verdict in ("pass", "warn"), report.details
    first = line_of(source, "from numpyro_lsp_absent_plots")
    assert (
        f"`numpyro_lsp_absent_plots` not installed here: lines {first}-{first + 1} left out"
    ) in report.summary


def test_a_notebooks_relative_paths_are_from_its_folder(runner, tmp_path):
    # rethinking-numpyro's notebooks read pd.read_csv("../data/...") from notebooks/, as
    # Jupyter runs them; the worker runs where the editor's server does (the repository).
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "y.txt").write_text("1.0 2.0 3.0")
    (tmp_path / "notebooks").mkdir()
    path = tmp_path / "notebooks" / "analysis.ipynb"
    source = HEADER + (
        'y_obs = np.array(open("../data/y.txt").read().split(), dtype=float)\n\n\n'
        "def model(y=y_obs):\n    mu = numpyro.sample('mu', dist.Normal(0, 5))\n"
        "    numpyro.sample('obs', dist.Normal(mu, 1), obs=y)\n"
    )
    report = run_smoke_test(runner, source, str(path), "model", TINY, CATALOG, threading.Event())
    assert report.verdict in ("pass", "warn"), report.details
    # A script's relative paths stay the server's: there is no ../data from here.
    script = run_smoke_test(
        runner,
        source,
        str(tmp_path / "notebooks" / "analysis.py"),
        "model",
        TINY,
        CATALOG,
        threading.Event(),
    )
    assert script.verdict == "fail" and "FileNotFoundError" in script.details


def test_a_package_the_file_puts_on_the_path_itself_is_imported(runner, tmp_path):
    # wesleyjholt/numpyro-extras' notebook: sys.path.insert(0, str(repo_root / "src")), then
    # its own package; decided before the statements ran, the import was left out.
    package = tmp_path / "src" / "local_priors"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("SCALE = 2.0\n")
    body = (
        f"import sys\nsys.path.insert(0, {str(tmp_path / 'src')!r})\n"
        "from local_priors import SCALE\n\n\n"
        "def model():\n    mu = numpyro.sample('mu', dist.Normal(0, SCALE))\n"
        "    numpyro.sample('x', dist.Normal(mu, 1), obs=1.0)\n"
    )
    report, _ = smoke(runner, tmp_path, body)
    assert report.verdict in ("pass", "warn"), report.details
    assert "not installed here" not in report.details


# A model that needs nothing of what the file imports above it.
OWN_MODEL = (
    "def model():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
    "    numpyro.sample('x', dist.Normal(mu, 1), obs=1.0)\n"
)


@pytest.mark.parametrize(
    ("module", "imported", "package"),
    [
        # numpyro_adjective_modelling: ``from helper import link_function``, with helper.py
        # importing matplotlib at its top.
        (
            "import numpyro_lsp_absent_plots\n\n\ndef link_function(x):\n    return x\n",
            "link_function",
            "numpyro_lsp_absent_plots",
        ),
        # numpyro.contrib.funsor without funsor raises ImportError("... install funsor") from
        # the ModuleNotFoundError; a jupytext script imports config_enumerate for a later model.
        (
            "try:\n    import numpyro_lsp_absent_enum\nexcept ImportError as error:\n"
            "    raise ImportError('install numpyro_lsp_absent_enum to use this') from error\n",
            "config_enumerate",
            "numpyro_lsp_absent_enum",
        ),
    ],
    ids=["project-module", "optional-part"],
)
def test_an_import_that_fails_for_a_package_not_installed_is_left_out(
    runner, tmp_path, module, imported, package
):
    (tmp_path / "project_part.py").write_text(module)
    body = f"from project_part import {imported}\n\n\n" + OWN_MODEL
    report, source = smoke(runner, tmp_path, body)
    assert report.verdict in ("pass", "warn"), report.details
    line = line_of(source, "from project_part")
    assert f"`{package}` not installed here: line {line} left out" in report.summary


# A file written for another version: a module numpyro no longer has (bdatko's
# play_mbml_numpyro, ``numpyro.contrib.indexing``) and a name jax no longer has
# (Cypriendtr/Jax_Numpyro-OU-EC, ``from jax.lib import xla_bridge``).
OTHER_VERSION_IMPORTS = (
    "from numpyro.contrib.numpyro_lsp_gone import Vindex\n"
    "from jax.lib import numpyro_lsp_gone_name\n"
    "platform = numpyro_lsp_gone_name.get_backend().platform\n"
)


def test_imports_a_newer_version_dropped_are_left_out_when_the_model_needs_none(runner, tmp_path):
    report, source = smoke(runner, tmp_path, OTHER_VERSION_IMPORTS + "\n\n" + OWN_MODEL)
    assert report.verdict in ("pass", "warn"), report.details
    module, name = line_of(source, "from numpyro.contrib"), line_of(source, "from jax.lib")
    said = (
        rf"`numpyro\.contrib\.numpyro_lsp_gone` not in numpyro [\w.]+ here: line {module} left "
        r"out, the model did not need it; `jax\.lib\.numpyro_lsp_gone_name` not in jax [\w.]+ "
        rf"here: lines {name}-{name + 1} left out, the model did not need them"
    )
    assert re.search(said, report.summary), report.summary


@pytest.mark.parametrize(
    ("imports", "use", "said", "hint"),
    [
        (
            MISSING_IMPORTS,
            "load('y.csv')",
            r"No module named 'numpyro_lsp_absent_data' \(the smoke test left its import out: "
            r"this interpreter does not have it\)",
            "install it there, or choose the interpreter that has it",
        ),
        (
            OTHER_VERSION_IMPORTS,
            "Vindex(1.0)",
            r"No module named 'numpyro\.contrib\.numpyro_lsp_gone' \(the smoke test left its "
            r"import out: numpyro [\w.]+ here does not have it\)",
            "written for another version",
        ),
    ],
    ids=["not-installed", "other-version"],
)
def test_a_model_that_uses_what_an_import_left_out_is_told_so_at_the_line(
    runner, tmp_path, imports, use, said, hint
):
    body = imports + (
        "\n\ndef model():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        f"    numpyro.sample('x', dist.Normal(mu, 1), obs={use})\n"
    )
    report, source = smoke(runner, tmp_path, body)
    assert report.verdict == "fail"
    (error,) = [f for f in report.findings if f.code == "smoke-exception"]
    assert re.match(f"ModuleNotFoundError: {said}", error.message), error.message
    assert hint in error.message
    assert error.line == line_of(source, f"obs={use}")


def test_an_import_of_a_name_its_module_lacks_in_the_files_own_package_still_fails(
    runner, tmp_path
):
    (tmp_path / "project_part.py").write_text("def link_function(x):\n    return x\n")
    body = "from project_part import numpyro_lsp_no_such_name\n\n\n" + OWN_MODEL
    report, _ = smoke(runner, tmp_path, body)
    assert report.verdict == "fail"
    assert "cannot import name 'numpyro_lsp_no_such_name'" in report.summary


def test_a_module_of_a_package_runs_with_its_relative_imports(runner, tmp_path):
    # dsheldon/covid: covid/models/SEIR.py imports ``from ..glm import GLM`` and ``from .util
    # import observe``; run as a script, it stopped at "attempted relative import with no
    # known parent package". A sibling that imports a package not installed is left out.
    models = tmp_path / "epi" / "models"
    models.mkdir(parents=True)
    (tmp_path / "epi" / "__init__.py").write_text("")
    (tmp_path / "epi" / "glm.py").write_text("import numpyro_lsp_absent_patsy\n")
    (models / "__init__.py").write_text("from . import util\n")
    (models / "util.py").write_text("def observed(y):\n    return y + 1.0\n")
    path = models / "seir.py"
    source = HEADER + (
        "from ..glm import GLM\nfrom .util import observed\n\n\n"
        "def model():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        "    numpyro.sample('x', dist.Normal(mu, 1), obs=observed(1.0))\n"
    )
    path.write_text(source)
    report = run_smoke_test(runner, source, str(path), "model", TINY, CATALOG, threading.Event())
    assert report.verdict in ("pass", "warn"), report.details
    line = line_of(source, "from ..glm")
    assert f"`numpyro_lsp_absent_patsy` not installed here: line {line} left out" in report.summary


def test_a_platform_this_jax_does_not_know_is_left_out_and_said(runner, tmp_path):
    # hstorm/template_numpyro_gpu_docker: ``numpyro.set_platform("gpu")``, which jax 0.10
    # rejects ("Valid platforms are: cpu, cuda, rocm, tpu"); the model itself runs anywhere.
    body = 'numpyro.set_platform("numpyro_lsp_no_such_platform")\n\n\n' + OWN_MODEL
    report, source = smoke(runner, tmp_path, body)
    assert report.verdict in ("pass", "warn"), report.details
    said = f"the platform call on line {line_of(source, 'numpyro.set_platform')} left out ("
    assert said in report.summary and said in report.details
    assert "): the run is on this machine's default device" in report.summary


def test_a_model_handed_what_a_missing_package_made_is_told_which_package(runner, tmp_path):
    # wesleyjholt/numpyro-extras: its package imports interpax; the notebook builds a prior
    # transform with it, and numpyro itself rejected the stand-in ("but received ...").
    (tmp_path / "prior_builder.py").write_text(
        "import numpyro_lsp_absent_interp\n\n\ndef build(scale):\n    return scale\n"
    )
    body = (
        "from prior_builder import build\n"
        "transform = build(2.0)\n"
        "prior = dist.TransformedDistribution(dist.Normal(0, 1), transform)\n\n\n"
        "def model():\n    mu = numpyro.sample('mu', prior)\n"
        "    numpyro.sample('x', dist.Normal(mu, 1), obs=1.0)\n"
    )
    report, source = smoke(runner, tmp_path, body)
    assert report.verdict == "fail"
    error = next(f for f in report.findings if f.code == "smoke-exception")
    assert error.line == line_of(source, "numpyro.sample('mu'")
    assert "handed what the smoke test left out" in error.message
    lines = f"lines {line_of(source, 'from prior_builder')}-{line_of(source, 'prior = ')}"
    assert f"`numpyro_lsp_absent_interp` not installed here: {lines} left out)" in report.summary
