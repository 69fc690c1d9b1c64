"""Quiet on other people's correct code: each class of false finding seen on real NumPyro
projects (issue 15), as a small program that must stay silent, next to the true case that
must still be reported."""

from __future__ import annotations

import textwrap

import cattrs

from numpyro_lsp.actions import quick_fixes
from numpyro_lsp.analysis.document import ParsedDocument
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rewrite.edits import apply_edits
from numpyro_lsp.rewrite.fixes import structure
from numpyro_lsp.rules.base import Severity
from numpyro_lsp.rules.engine import check_source

CATALOG = read_catalog(shipped_catalog_path())

HEADER = """\
import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro import handlers
from numpyro.infer import MCMC, NUTS, Predictive
"""


def findings(body: str, *, header: bool = True) -> list[tuple[int, str]]:
    """(line in ``body``, code) of each finding at warning or above."""
    source = (HEADER if header else "") + textwrap.dedent(body)
    offset = HEADER.count("\n") if header else 0
    return [
        (f.span.line - offset, f.code)
        for f in check_source(source, CATALOG)
        if f.severity >= Severity.WARNING
    ]


def codes(body: str, **kwargs) -> set[str]:
    return {code for _, code in findings(body, **kwargs)}


# --- names ---------------------------------------------------------------------------


def test_module_dunders_are_not_unknown_names():
    assert codes("print(numpyro.__version__, numpyro.__file__, dist.__name__)\n") == set()
    # numpyro's docs configuration (notebooks/source/conf.py) imports it by name.
    assert codes("from numpyro import __version__\nprint(__version__)\n") == set()
    assert codes("prior = dist.Normall(0.0, 1.0)\n") == {"NPR009"}


def test_star_import_binds_names():
    body = """\
    from mypackage.distributions import *

    prior = LogitNormal(0.0, 1.0)
    """
    assert "NPR009" not in codes(body, header=False)
    assert codes("import numpyro\nprior = LogitNormal(0.0, 1.0)\n", header=False) == {"NPR009"}


def test_an_undefined_name_in_a_file_without_numpyro_is_the_python_servers():
    # luiarthur/TuringBnpBenchmarks' gp_pyro.py, a Pyro snippet for a blog post whose imports
    # are left out, got "did you mean NumPyro's `Trace_ELBO`?" on Pyro's ``JitTrace_ELBO``;
    # jmontalvo94/ml4ps's bnn_pyro.py, a Pyro file, "NumPyro's `Predictive`" on a misspelt
    # variable. A file that imports nothing of numpyro gives no sign of meaning NumPyro.
    snippet = """\
    pyro.clear_param_store()
    svi = SVI(gp_model, guide, Adam({"lr": 1e-2}), JitTrace_ELBO())
    """
    assert findings(snippet, header=False) == []
    pyro_file = """\
    import pyro
    from pyro.infer import Predictive


    def run(model, X):
        predictive_mcmc = Predictive(model, num_samples=10)
        return predictive(X)
    """
    assert findings(pyro_file, header=False) == []
    # The same snippet in a file that imports numpyro: the NumPyro name is meant.
    assert findings("import numpyro\n" + textwrap.dedent(snippet), header=False) == [(3, "NPR009")]


def test_an_undefined_lower_case_name_near_a_variable_of_its_scope_is_that_variable():
    # jmontalvo94/ml4ps's bnn_pyro.py: ``predictive(X)`` under ``predictive_mcmc =
    # Predictive(...)`` misspells the variable, not the class. Where no variable of the
    # scope is near, a class name in lower case is still told its class.
    body = """\
    def run(model, X):
        predictive_mcmc = Predictive(model, num_samples=10)
        return predictive(X)


    def other(model, X):
        return predictive(X)
    """
    assert findings(body) == [(7, "NPR009")]


def test_an_undefined_numpyro_module_name_is_told_its_import():
    # luiarthur/TuringBnpBenchmarks' dp_sb_gmm_numpyro.py reads ``constraints.real_vector``
    # with only ``import numpyro.distributions as dist``: "did you mean `Constraint`?" named
    # a class that has no ``real_vector``. The fix is the module's import.
    source = textwrap.dedent(
        """\
        import numpyro.distributions as dist


        class NormalMixture(dist.Distribution):
            support = constraints.real_vector
        """
    )
    (finding,) = [f for f in check_source(source, CATALOG) if f.code == "NPR009"]
    assert finding.message == (
        "`constraints` is not defined: it is NumPyro's module "
        "`numpyro.distributions.constraints` (`from numpyro.distributions import constraints`)"
    )
    document = ParsedDocument("file:///m.py", 1, source)
    payload = structure(finding.fix, cattrs.Converter())
    (action,) = quick_fixes(document, document.analysis(CATALOG), "NPR009", finding.span, payload)
    assert action.title == "Import `constraints` from `numpyro.distributions`"
    fixed = apply_edits(source, action.edits)
    assert fixed.startswith(
        "import numpyro.distributions as dist\nfrom numpyro.distributions import constraints\n"
    )
    assert [f for f in check_source(fixed, CATALOG) if f.code == "NPR009"] == []


def test_function_local_imports_bind_in_their_function_alone():
    body = """\
    def pyro_model(y):
        import pyro
        import pyro.distributions as dist

        mu = pyro.sample("mu", dist.Normal(0, 5))
        pyro.sample("obs", dist.Normal(mu, 1), obs=y)


    def run_pyro(y):
        from pyro.infer import MCMC, NUTS

        MCMC(NUTS(pyro_model, jit_compile=True), num_samples=10, warmup_steps=10).run(y)


    def numpyro_model(y):
        import numpyro
        import numpyro.distributions as dist

        mu = numpyro.sample("mu", dist.Normal(0, 5))
        numpyro.sample("obs", dist.Normal(mu, 1), obs=y)


    def run_numpyro(y):
        from jax.random import PRNGKey
        from numpyro.infer import MCMC, NUTS

        MCMC(NUTS(numpyro_model), num_warmup=10, num_samples=10).run(PRNGKey(0), y)
    """
    assert findings(body, header=False) == []


def test_parameter_hides_a_module_import():
    body = """\
    from numpyro import optim


    def step(opt_state, optim):
        params = optim.get_params(opt_state)
        return optim.update(params, opt_state)
    """
    assert findings(body, header=False) == []
    assert codes("from numpyro import optim\nparams = optim.get_params(3)\n") == {"NPR009"}


# --- test code and guards ------------------------------------------------------------


def test_pytest_bodies_are_not_model_code():
    body = """\
    from numpy.testing import assert_allclose


    def test_seed():
        def _sample():
            x = numpyro.sample("x", dist.Normal(0.0, 1.0))
            return jnp.stack([x, x])

        xs = []
        for i in range(10):
            with handlers.seed(rng_seed=i):
                xs.append(_sample())
        xs = jnp.stack(xs)
        assert_allclose(xs, xs)
        if jnp.all(xs[0] == xs[1]):
            print("same")


    def test_plate_subsample():
        with handlers.seed(rng_seed=0):
            with numpyro.plate("a", 10, subsample_size=3) as idx:
                assert_allclose(idx, jnp.arange(3))
    """
    assert findings(body) == []


def test_a_model_still_reports_numpy_testing_but_suggests_no_jnp_testing():
    body = """\
    from numpy.testing import assert_allclose


    def model():
        x = numpyro.sample("x", dist.Normal(0.0, 1.0))
        assert_allclose(x, 0.0)
    """
    [finding] = [f for f in check_source(HEADER + textwrap.dedent(body), CATALOG)]
    assert finding.code == "NPR002"
    assert "jnp.testing" not in finding.message


def test_not_jax_tracer_guards_eager_only_checks():
    body = """\
    from numpyro.util import not_jax_tracer


    def model(data, mask):
        x = numpyro.sample("x", dist.Normal(0.0, 1.0))
        with numpyro.plate("plate", len(data)):
            y = numpyro.sample("y", dist.Normal(x, 1.0), obs=data, obs_mask=mask)
            if not_jax_tracer(y):
                assert ((y == data) == mask).all()
                print(np.asarray(y))
        if x > 0:
            numpyro.factor("f", x)
    """
    assert findings(body) == [(11, "NPR005")]


def test_a_distribution_shape_is_static():
    body = """\
    def guide(n, d):
        loc = numpyro.param("loc", jnp.zeros((n, d)))
        base = dist.Normal(loc, 1.0).to_event(1)
        assert base.shape() == (n, d)
        assert base.event_shape == (d,)
        numpyro.sample("z", base)
    """
    assert findings(body) == []


def test_numpy_functions_that_read_only_a_shape_take_traced_values():
    # Cypriendtr/Jax_Numpyro-OU-EC sets a sampled matrix's diagonal with numpy's indices.
    body = """\
    def model():
        j = numpyro.sample("j", dist.Normal(jnp.zeros((5, 5)), 1.0))
        j = j.at[np.diag_indices_from(j)].set(-0.8)
        lower = j[np.tril_indices_from(j, -1)]
        return np.iscomplexobj(j), np.trace(j)
    """
    assert findings(body) == [(5, "NPR002")]


def test_numpy_reductions_run_as_the_tracers_own_methods():
    # numpy's test/contrib/einstein/test_steinvi.py: ``np.sum(x, axis=-1)`` calls
    # ``x.sum(axis=-1)``, which a tracer has; a list is converted first, and ``out=`` refused.
    body = """\
    def model(features, labels):
        coefs = numpyro.sample("coefs", dist.Normal(np.zeros(3), np.ones(3)).to_event(1))
        logits = numpyro.deterministic("logits", np.sum(coefs * features, axis=-1))
        scale = np.std(coefs, ddof=1) + np.max(coefs, axis=0, keepdims=True)
        with numpyro.plate("data", labels.shape[0]):
            numpyro.sample("obs", dist.Bernoulli(logits=logits / scale), obs=labels)
        terms = [coefs[0], coefs[1]]
        return np.exp(coefs), np.sum(terms), np.mean((coefs, coefs)), np.sum(coefs, out=labels)
    """
    assert findings(body) == [(8, "NPR002")] * 4


def test_numpy_functions_that_run_as_the_tracers_methods_in_the_forms_that_run():
    # Each call below was run under jit, vmap and grad on a tracer (numpy 2.4.6, jax 0.10.2):
    # those of lines 3 to 12 run, each one of lines 14 to 16 raises.
    body = """\
    def model(grid, y=None):
        w = numpyro.sample("w", dist.Normal(jnp.zeros((3, 4)), 1.0))
        a = np.round(w, 2) + np.transpose(w, (1, 0)).T + np.reshape(w, (4, -1), order="F").T
        b = np.squeeze(w[:, None], axis=1) + np.swapaxes(w.T, -1, -2) + np.flip(w, 0)
        c = np.repeat(w, 2, axis=0) + np.repeat(w, np.array([1, 2, 3]), axis=0)
        i = np.argsort(w[0], stable=True)
        d = np.take(w[0], i, mode="clip") + np.take(w, 5, 1, None, "wrap")[0]
        cut = jnp.sort(w[1])
        e = np.searchsorted(cut, w[0], side="right") + np.moveaxis(w, 0, -1).T
        f = np.real(w) + np.imag(w) + np.sum(a=w, axis=0) + np.max(w, 0, None, True)
        g = np.round(w, out=None) + np.choose(i % 2, [w[0], w[1]], mode="wrap")
        rows = np.unstack(w, axis=0)
        numpyro.sample("obs", dist.Normal(a + b + c[:3] + d + e + f + g + rows[0], 1.0), obs=y)
        np.clip(w, 0, 1), np.take(w, 0), np.argsort(w)
        np.reshape(w, -1, order="A"), np.repeat(w, [1, 2, 3], axis=0)
        np.sort(w), np.searchsorted(cut, [0.1, 0.5])
    """
    assert findings(body) == [(14, "NPR002")] * 3 + [(15, "NPR002")] * 2 + [(16, "NPR002")] * 2


def test_numpy_on_a_traced_array_names_the_error_it_raises():
    # Measured under jit (numpy 2.4.6, jax 0.10.2): NumPy converts the tracer in np.exp and
    # np.clip; jax's method refuses out= (NotImplementedError) and mode="raise"
    # (NotImplementedError too); np.put writes into its argument, which raises TypeError.
    body = """\
    def model(buffer):
        w = numpyro.sample("w", dist.Normal(jnp.zeros(4), 1.0))
        np.exp(w)
        np.clip(w, 0, 1)
        np.sum(w, out=buffer)
        np.round(w, 2, buffer)
        np.take(w, 0)
        np.put(w, 0, 1.0)
    """
    found = [
        (f.span.line - HEADER.count("\n"), f.message, f.fix)
        for f in check_source(HEADER + textwrap.dedent(body), CATALOG)
    ]
    assert [(line, "TracerArrayConversionError" in message) for line, message, _ in found] == [
        (3, True),
        (4, True),
        (5, False),
        (6, False),
        (7, False),
        (8, False),
    ]
    out = "(NotImplementedError: JAX arrays take no `out`): use the result instead"
    assert found[2][1] == f"`np.sum` with `out=` on a traced array fails under jit {out}"
    assert found[3][1] == f"`np.round` with `out=` on a traced array fails under jit {out}"
    assert found[2][2] is None  # jnp.sum refuses out= as well
    assert found[4][1] == (
        "`np.take` on a traced array fails under jit with these arguments: use `jnp.take`"
    )
    assert found[5][1] == (
        "`np.put` writes in place, which a traced JAX array refuses: use `.at[...].set(...)`"
    )
    assert found[5][2] is None


def test_a_draw_transformed_in_place_is_no_longer_the_real_latent():
    # dsheldon/covid's growth-rate model: ``var_c`` is drawn from a Normal, then exponentiated
    # under the same name before it is a scale.
    body = """\
    def model(y=None):
        var_c = numpyro.sample("var_c", dist.Normal(0, 10))
        raw = numpyro.sample("raw", dist.Normal(0, 1))
        numpyro.sample("first", dist.Normal(0.0, raw), obs=y)
        var_c = jnp.exp(var_c)
        numpyro.sample("y", dist.Normal(0.0, var_c), obs=y)
        # Picked or reshaped, the draws are still those of the Normal (numpyro's imputation
        # tutorial).
        sigma = numpyro.sample("sigma", dist.Normal(0, 1).expand([5]))
        sigma = sigma[jnp.arange(3)].reshape(-1)
        numpyro.sample("z", dist.Normal(0.0, sigma), obs=y)
    """
    assert findings(body) == [(4, "NPR008"), (11, "NPR008")]


def test_a_normal_with_negligible_mass_below_zero_is_no_real_latent():
    # kylejcaron/case_studies' rental simulators jitter a known positive rate:
    # ``Normal(5000, 0.01)`` (``self.total_rental_rate = 5000`` in rental_model.py) and
    # ``Normal(jnp.exp(self.U[ind]), 0.001)``, each drawn as a Poisson rate. A loc near zero
    # against its scale, or a wide scale around a positive loc, can still go negative.
    body = """\
    class Simulator:
        scale = 0.01

        def __init__(self, u):
            self.rate = 5000
            self.u = u
            self.spread = u

        def model(self):
            total = numpyro.sample("total", dist.Normal(self.rate, self.scale))
            numpyro.sample("rentals", dist.Poisson(total))
            with numpyro.plate("products", 3) as ind:
                lambd = numpyro.sample("lambd", dist.Normal(jnp.exp(self.u[ind]), 0.001))
            numpyro.sample("per_product", dist.Poisson(lambd))
            wide = numpyro.sample("wide", dist.Normal(self.rate, self.spread))
            numpyro.sample("per_wide", dist.Poisson(wide))


    def model():
        tau = numpyro.sample("tau", dist.HalfNormal(1.0))
        mu = 3.0
        near = numpyro.sample("near", dist.Normal(tau, 1e-3))
        far = numpyro.sample("far", dist.Normal(mu, 0.5))
        numpyro.sample("a", dist.Poisson(near))
        numpyro.sample("b", dist.Poisson(far))
        close = numpyro.sample("close", dist.Normal(1.0, 1.0))
        numpyro.sample("c", dist.Exponential(close))
        loose = numpyro.sample("loose", dist.Normal(jnp.exp(tau), 1.0))
        numpyro.sample("d", dist.Exponential(loose))
        sigma = numpyro.sample("sigma", dist.Normal())
        numpyro.sample("e", dist.HalfNormal(sigma))


    class Counter:
        rate: float = 0.0

        def __init__(self, cfg):
            self.shift = 5000
            self.shift += cfg.shift
            self.rate = 5000

        def model(self, cfg):
            configured = numpyro.sample("configured", dist.Normal(cfg.rate, 0.01))
            numpyro.sample("f", dist.Poisson(configured))
            shifted = numpyro.sample("shifted", dist.Normal(self.shift, 0.01))
            numpyro.sample("g", dist.Poisson(shifted))
            default = numpyro.sample("default", dist.Normal(self.rate, 0.01))
            numpyro.sample("h", dist.Poisson(default))
    """
    found = [
        (f.span.line - HEADER.count("\n"), f.message)
        for f in check_source(HEADER + textwrap.dedent(body), CATALOG)
        if f.code == "NPR008"
    ]
    assert [line for line, _ in found] == [16, 27, 29, 31, 44, 46, 48]
    assert "`close` has real support (its prior puts 16% of its mass below zero) but" in found[1][1]
    assert "`loose` has real support but" in found[2][1]
    assert "`sigma` has real support (its prior puts 50% of its mass below zero)" in found[3][1]
    assert "`default` has real support (its prior puts 50% of its mass below zero)" in found[6][1]


# --- site names that cannot clash ------------------------------------------------------


def test_repeated_params_are_memoized_not_duplicates():
    body = """\
    def model():
        a = numpyro.param("loc", 0.0)
        b = numpyro.param("loc", 0.0)
        for i in range(3):
            numpyro.param("scale", 1.0)
        numpyro.sample("x", dist.Normal(a + b, 1.0))
        numpyro.deterministic("x", a)
    """
    assert findings(body) == [(7, "NPR006")]


def test_sites_after_an_early_return_exclude_the_returning_branch():
    body = """\
    def model(skip):
        if skip:
            r = numpyro.sample("log_rate", dist.Normal(0.0, 1.0))
            return r
        numpyro.deterministic("log_rate", jnp.zeros(()))
    """
    assert findings(body) == []


def test_sites_under_contradicting_conditions_do_not_clash():
    body = """\
    def model(cfg, trend):
        if not cfg.marginalize:
            numpyro.sample("lnsigma", dist.Normal(0.0, 1.0))
        if cfg.marginalize and cfg.length_scales:
            numpyro.sample("lnsigma", dist.Normal(0.0, 2.0))
        elif cfg.marginalize:
            numpyro.deterministic("lnsigma", 0.0)
        if trend == "linear":
            numpyro.sample("delta", dist.Normal(0.0, 1.0))
        if trend == "logistic":
            numpyro.sample("delta", dist.Laplace(0.0, 1.0))
        if cfg.extra:
            numpyro.sample("delta", dist.Normal(0.0, 3.0))
    """
    assert findings(body) == [(13, "NPR006")]


def test_scope_prefixes_and_the_arms_of_a_conditional_expression_keep_names_apart():
    # numpyro-sts's mauna-loa notebook (scopes) and numpyro_adjective_modelling (``a if c
    # else b``); the last two sites clash in numpyro's trace.
    body = """\
    from numpyro.handlers import scope


    def model(fixed=None, level=None):
        with scope(prefix="level"):
            numpyro.sample("std", dist.HalfNormal(1.0))
            with scope(prefix="inner", divider="."):
                numpyro.sample("std", dist.HalfNormal(1.0))
        with scope(prefix="season"):
            numpyro.sample("std", dist.HalfNormal(1.0))
        with scope(prefix=level):
            numpyro.sample("x", dist.Normal(0.0, 1.0))
        numpyro.sample("std", dist.HalfCauchy(1.0))
        eps = (
            numpyro.deterministic("eps", jnp.asarray(fixed))
            if fixed is not None
            else numpyro.sample("eps", dist.Beta(1.0, 50.0))
        )
        numpyro.sample("x", dist.Normal(eps, 1.0))
        with scope(prefix="season"):
            numpyro.sample("std", dist.HalfNormal(2.0))
    """
    assert findings(body) == [(21, "NPR006")]


def test_a_method_of_another_object_may_add_sites():
    # CDCgov/PyRenew's tests: a model is ``rv.sample(record=True)`` of a random variable
    # object, whose sites the file cannot see; methods of arrays and draws with a key add none.
    body = """\
    from pyrenew.randomvariable import LogitNormalVariable

    rv = LogitNormalVariable(name="iedr", median=0.004, scale=0.3)


    def model():
        return rv.sample(record=True)


    def plain():
        mu = numpyro.sample("mu", dist.Normal(0, 1))
        noise = dist.Normal(0, 1).sample(random.PRNGKey(0), (3,))
        return jnp.exp(mu).sum() + noise.mean()


    samples = Predictive(model, num_samples=100)(random.PRNGKey(0))
    values = samples["iedr"]
    draws = Predictive(plain, num_samples=100)(random.PRNGKey(1))
    wrong = draws["mean"]
    """
    assert findings(body) == [(19, "NPR020")]


# --- the definition in force ------------------------------------------------------------


def test_a_redefined_model_is_the_one_in_force_at_each_line():
    body = """\
    from numpyro.infer import DiscreteHMCGibbs, init_to_value


    def model(y):
        z = numpyro.sample("z", dist.Bernoulli(0.5))
        numpyro.sample("obs", dist.Normal(z, 1.0), obs=y)


    kernel = DiscreteHMCGibbs(NUTS(model), modified=True)
    MCMC(kernel, num_warmup=10, num_samples=10).run(random.PRNGKey(0), 1.0)


    def model(y):
        mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
        numpyro.sample("obs", dist.Normal(mu, 1.0), obs=y)


    init = init_to_value(values={"mu": 0.0})
    mcmc = MCMC(NUTS(model, init_strategy=init), num_warmup=10, num_samples=10)
    mcmc.run(random.PRNGKey(1), 1.0)
    print(mcmc.get_samples()["mu"])
    print(mcmc.get_samples()["muu"])
    """
    assert findings(body) == [(22, "NPR020")]


def test_a_variable_given_draws_again_reads_the_value_above_each_use():
    # A notebook's habit (rethinking-numpyro): ``post`` holds one model's draws, then another's.
    body = """\
    def model_a(y=None):
        a = numpyro.sample("a", dist.Normal(0, 1))
        numpyro.sample("y", dist.Normal(a, 1), obs=y)


    def model_b(y=None):
        b = numpyro.sample("b", dist.Normal(0, 1))
        numpyro.sample("y", dist.Normal(b, 1), obs=y)


    m1 = MCMC(NUTS(model_a), num_warmup=5, num_samples=5)
    post = m1.get_samples()
    print(post["a"], post["b"])
    post["a_minus_one"] = post["a"] - 1.0
    print(post["a_minus_one"])
    m2 = MCMC(NUTS(model_b), num_warmup=5, num_samples=5)
    post = m2.get_samples()
    print(post["b"], post["a"])
    """
    assert findings(body) == [(13, "NPR020"), (18, "NPR020")]


def test_functions_of_other_packages_named_numpyro_something_may_add_sites():
    body = """\
    from numpyro.handlers import seed, trace
    from numpyro_forecast.functional import time_series


    def body():
        time_series("drift", lambda: dist.Normal(0.0, 1.0))


    def helper():
        numpyro.sample("kept", dist.Normal(0.0, 1.0))


    def closed():
        helper()


    print(trace(seed(body, random.PRNGKey(0))).get_trace()["drift"])
    print(trace(seed(closed, random.PRNGKey(0))).get_trace()["drift"])
    """
    assert findings(body) == [(18, "NPR020")]


def test_models_nested_in_tests_are_told_apart():
    body = """\
    def test_one():
        def model():
            numpyro.sample("x", dist.Normal(0.0, 1.0))

        tr = handlers.trace(handlers.seed(model, 0)).get_trace()
        assert tr["x"]["value"].shape == ()


    def test_two():
        def model():
            numpyro.sample("z", dist.Normal(0.0, 1.0))

        tr = handlers.trace(handlers.seed(model, 0)).get_trace()
        assert tr["z"]["value"].shape == ()
    """
    assert findings(body) == []


def test_a_literal_outside_its_constraint_without_validation_is_asked_for():
    body = """\
    d = dist.Normal(0, -1, validate_args=False)
    e = dist.Normal(0, -1)
    """
    assert findings(body) == [(2, "NPR011")]


# --- discrete latents under HMC -----------------------------------------------------------


def test_conditional_enumeration_and_unknown_wrappers_are_not_discrete_under_nuts():
    body = """\
    def model(enum=True):
        infer = {"enumerate": "parallel"} if enum else {}
        numpyro.sample("z", dist.Bernoulli(0.5), infer=infer)
        numpyro.sample("w", dist.Bernoulli(0.5), infer={"enumerate": "parallel"} if enum else {})


    def bernoulli_model():
        numpyro.sample("x", dist.Bernoulli(0.5))


    def plain_model():
        numpyro.sample("y", dist.Bernoulli(0.5))


    def run(kernel):
        MCMC(NUTS(model), num_warmup=10, num_samples=10).run(random.PRNGKey(0))
        MCMC(kernel(NUTS(bernoulli_model)), num_warmup=10, num_samples=10).run(random.PRNGKey(0))
        MCMC(NUTS(plain_model), num_warmup=10, num_samples=10).run(random.PRNGKey(0))
    """
    assert findings(body) == [(12, "NPR013")]


def test_a_discrete_site_drawn_only_without_data_is_not_hmcs():
    # numpyro_adjective_modelling: prior predictive draws where the data is missing.
    body = """\
    def model(probs, empirical=None):
        if empirical is None:
            numpyro.sample("obs", dist.Categorical(probs=probs))
        else:
            numpyro.sample("obs", dist.Categorical(probs=probs), obs=empirical)
        numpyro.sample("z", dist.Bernoulli(0.5))


    MCMC(NUTS(model), num_warmup=5, num_samples=5).run(random.PRNGKey(0), probs, data)
    """
    assert findings(body) == [(6, "NPR013")]


def test_a_nuts_kernel_that_a_discrete_kernel_takes_later_is_not_hmcs():
    # bdatko/numpyro_play: ``nuts_kernel = NUTS(model)``, then ``DiscreteHMCGibbs(nuts_kernel)``
    # in the next statement; its notebooks had 25 such findings.
    body = """\
    from numpyro.infer import DiscreteHMCGibbs


    def mystery(guess):
        numpyro.sample("murderer", dist.Bernoulli(guess))


    def plain(probs):
        numpyro.sample("n", dist.Categorical(probs=probs))


    nuts_kernel = NUTS(mystery)
    kernel = DiscreteHMCGibbs(nuts_kernel, modified=True)
    MCMC(kernel, num_warmup=5, num_samples=5).run(random.PRNGKey(0), 0.3)
    plain_kernel = NUTS(plain)
    MCMC(plain_kernel, num_warmup=5, num_samples=5).run(random.PRNGKey(0), probs)
    """
    assert findings(body) == [(9, "NPR013")]


def test_with_funsor_imported_only_a_site_that_cannot_be_enumerated_is_flagged():
    body = """\
    from numpyro.contrib.funsor import config_enumerate, infer_discrete


    def model(guess):
        numpyro.sample("murderer", dist.Bernoulli(guess))
        numpyro.sample("count", dist.Poisson(3.0))


    MCMC(NUTS(model), num_warmup=5, num_samples=5).run(random.PRNGKey(0), 0.3)
    """
    assert findings(body) == [(6, "NPR013")]
    without_funsor = body.replace(
        "from numpyro.contrib.funsor import config_enumerate, infer_discrete", "import numpyro"
    )
    assert findings(without_funsor) == [
        (5, "NPR013"),
        (6, "NPR013"),
    ]


def test_a_computed_site_name_is_written_out_in_the_message():
    source = HEADER + textwrap.dedent(
        """\
        def model(n):
            for s in range(n):
                numpyro.sample("skill_{}".format(s), dist.Bernoulli(0.5))


        MCMC(NUTS(model), num_warmup=5, num_samples=5).run(random.PRNGKey(0), 3)
        """
    )
    (message,) = [f.message for f in check_source(source, CATALOG) if f.code == "NPR013"]
    assert message.startswith("discrete latent `'skill_{}'.format(s)` under NUTS/HMC")


def test_a_name_numpyro_moved_is_told_where_it_is():
    # LB365/M5-numpyro, written for an older numpyro: ``init_to_median`` was importable from
    # ``numpyro.infer.util``; numpyro 0.22 has it in ``numpyro.infer`` only.
    source = "from numpyro.infer.util import init_to_median, init_to_uniformm\n"
    messages = [f.message for f in check_source(source, CATALOG) if f.code == "NPR009"]
    assert messages == [
        "`numpyro.infer.util` has no `init_to_median`: it is `numpyro.infer.init_to_median`",
        "`numpyro.infer.util` has no `init_to_uniformm`: did you mean `init_to_uniform`?",
    ]


# --- what is traced, and where --------------------------------------------------------------


def test_a_later_rebinding_does_not_taint_earlier_reads():
    body = """\
    def model(age, y=None):
        isnan = np.isnan(age)
        age = jnp.where(isnan, 0.0, age)
        if isnan.any():
            age = numpyro.sample("age", dist.Normal(0.0, 1.0).mask(False))
        if age.sum() > 0:
            numpyro.sample("y", dist.Normal(age, 1.0), obs=y)
    """
    assert findings(body) == [(6, "NPR005")]


def test_a_loop_carries_a_later_traced_binding_to_the_next_iteration():
    body = """\
    def model(n):
        x = 0.0
        for i in range(n):
            if x > 1.0:
                break
            x = numpyro.sample(f"x{i}", dist.Normal(x, 1.0))
    """
    assert findings(body) == [(4, "NPR005")]


def test_a_for_loops_iterable_is_read_once_before_its_body_rebinds_the_name():
    # julianstastny/masters-thesis: the indices of missing answers come from the data
    # argument, read before the loop; the body then fills them with draws. The body itself
    # runs again, and its next iteration sees the draws.
    body = """\
    def model(y=None):
        for i in np.flatnonzero(y == -1):
            seen = np.asarray(y)
            y = jnp.asarray(y).at[i].set(numpyro.sample(f"y_{i}", dist.Normal(0.0, 1.0)))
    """
    assert findings(body) == [(3, "NPR002")]


def test_a_binding_in_a_sibling_branch_does_not_reach_the_read():
    # edwarddramirez/gce-prob-prog-gp, models/poissonian_ed.py: ``scale`` holds an option
    # string, and only the ``if`` beside the ``elif`` (or the ``else``) rebinds it to a param.
    # After the ``if``, and on a loop's next iteration, the param does reach.
    body = """\
    OPTION = "Cholesky"


    def model(n, kernel, options=("float",)):
        scale = "float"
        if OPTION == "Linear":
            scale = numpyro.param("scale", jnp.ones(()))
        elif OPTION == "Cholesky":
            if scale != "float":
                raise NotImplementedError
            scale = numpyro.param("scale", jnp.ones(()))
        if scale > 0:
            pass
        match kernel:
            case "rbf":
                amp = numpyro.param("amp", jnp.ones(()))
            case _:
                amp = options[0]
                if amp == "float":
                    pass
        x = 0.0
        for i in range(n):
            if i % 2:
                x = numpyro.sample(f"x{i}", dist.Normal(0.0, 1.0))
            elif x > 0:
                break
    """
    assert findings(body) == [(12, "NPR005"), (25, "NPR005")]


def test_zip_and_enumerate_trace_each_loop_name_by_its_own_sequence():
    # edwarddramirez/gce-prob-prog-gp, models/nptf.py: the labels zipped with the templates
    # are strings; the templates (and only they) hold draws.
    body = """\
    def model(data):
        w = numpyro.sample("w", dist.Normal(0.0, 1.0))
        temps = [jnp.ones(3), w * jnp.ones(3)]
        labels = ["iso", "dif"]
        for temp, label in zip(temps, labels):
            if label in ["dif", "ics"]:
                pass
            if temp.sum() > 0:
                pass
        for i, (label, temp) in enumerate(zip(labels, temps), start=1):
            if i > 1 or label == "iso":
                pass
            if temp[0] > 0:
                pass
        for j, x in enumerate(temps, w):
            if j > 1:
                pass
    """
    assert findings(body) == [(8, "NPR005"), (13, "NPR005"), (16, "NPR005")]


def test_guards_and_dict_keys_are_concrete():
    body = """\
    def model(centered=None, nn_vars=None):
        if centered is None:
            centered = numpyro.param("centered", 0.5)
        if isinstance(centered, (int, float, np.generic)) and centered == 0.0:
            numpyro.deterministic("zero", jnp.zeros(()))
        state = {"params": numpyro.param("p", jnp.ones(3))}
        if "params" not in state:
            raise ValueError("no parameters")
        rest = {k: v for k, v in state.items() if k != "params"}
        assert set(rest) == set(state.keys()) - {"params"}
    """
    assert findings(body) == []


def test_a_model_that_tests_only_run_eagerly_is_not_traced():
    body = """\
    def test_lift_memoize():
        def model():
            a = numpyro.param("loc")
            b = numpyro.param("loc")
            assert a == b

        with handlers.seed(rng_seed=1):
            with handlers.lift(prior=dist.Normal(0, 1)):
                model()


    def test_trace():
        def model():
            x = numpyro.sample("x", dist.Normal(0.0, 1.0))
            assert np.isfinite(x)

        handlers.trace(handlers.seed(model, 0)).get_trace()


    def test_nuts():
        def model():
            x = numpyro.sample("x", dist.Normal(0.0, 1.0))
            assert np.isfinite(x)

        handlers.trace(handlers.seed(model, 0)).get_trace()
        MCMC(NUTS(model), num_warmup=10, num_samples=10).run(random.PRNGKey(0))
    """
    assert findings(body) == [(23, "NPR002"), (23, "NPR005")]


def test_a_model_that_a_test_only_initializes_with_svi_is_not_traced():
    # numpy's test/infer/test_svi.py::test_shared_param_init: ``svi.init`` runs the model
    # once under seed, trace and substitute, with concrete values; ``svi.update`` traces it.
    body = """\
    from numpy.testing import assert_allclose
    from numpyro import optim
    from numpyro.infer import SVI, Trace_ELBO


    def guide():
        numpyro.param("shared", lambda _: 1.0)


    def test_init():
        def model():
            assert_allclose(numpyro.param("shared"), 1.0)

        svi = SVI(model, guide, optim.Adam(0.01), Trace_ELBO())
        svi_state = svi.init(random.PRNGKey(0))
        assert_allclose(svi.get_params(svi_state)["shared"], 1.0)


    def test_update():
        def model():
            assert_allclose(numpyro.param("shared"), 1.0)

        svi = SVI(model, guide, optim.Adam(0.01), Trace_ELBO())
        svi.update(svi.init(random.PRNGKey(0)))
    """
    assert findings(body) == [(21, "NPR002")]


# --- handlers followed ----------------------------------------------------------------------


def test_lift_and_condition_are_followed():
    body = """\
    def model():
        loc = numpyro.param("loc", 0.0)
        scale = numpyro.param("scale", 1.0)
        numpyro.sample("x", dist.Normal(loc, scale))


    lifted = handlers.lift(model, prior={"loc": dist.Normal(0.0, 1.0)})
    MCMC(NUTS(lifted), num_warmup=10, num_samples=10)


    def mixture(y=None):
        z = numpyro.sample("z", dist.Bernoulli(0.5))
        k = numpyro.sample("k", dist.Bernoulli(0.5))
        numpyro.sample("y", dist.Normal(z + k, 1.0), obs=y)


    conditioned = handlers.condition(mixture, data={"z": 1})
    MCMC(NUTS(conditioned), num_warmup=10, num_samples=10)


    def guarded():
        with handlers.lift(prior={"w": dist.Normal(0.0, 1.0)}):
            w = numpyro.param("w", 0.0)
        numpyro.sample("v", dist.Normal(w, 1.0))


    MCMC(NUTS(guarded), num_warmup=10, num_samples=10)
    """
    assert findings(body) == [(3, "NPR014"), (13, "NPR013")]


def test_a_sample_under_a_context_manager_it_cannot_resolve_that_may_seed_is_left_alone():
    # pdh21/bngmetric's numpyro_example.ipynb draws under ``with handlers.seed(rng_seed=k):``
    # with only ``from numpyro.handlers import seed, plate``: Python stops at the undefined
    # ``handlers`` (the Python server's to report), and the sample was meant seeded. A
    # ``seed`` of another module (a wrapper) may seed too; a known context manager that is
    # no seed handler, or a function of the file's own, leaves the sample without a key.
    body = """\
    import numpyro
    import numpyro.distributions as dist
    import torch
    from mylib import seed as seeded
    from numpyro.handlers import plate, seed


    def timer():
        return open("log")


    for k in range(3):
        with handlers.seed(rng_seed=k):
            with plate("parcels", 3):
                a = numpyro.sample("a", dist.Normal(0.0, 1.0))
        with undefined_context(k):
            b = numpyro.sample("b", dist.Normal(0.0, 1.0))
        with seeded(k):
            c = numpyro.sample("c", dist.Normal(0.0, 1.0))
        with torch.no_grad():
            d = numpyro.sample("d", dist.Normal(0.0, 1.0))
        with timer():
            e = numpyro.sample("e", dist.Normal(0.0, 1.0))
        with handlers.trace():
            f = numpyro.sample("f", dist.Normal(0.0, 1.0))
    """
    assert findings(body, header=False) == [(21, "NPR001"), (23, "NPR001")]
    # Once ``handlers`` is imported, ``seed`` seeds and ``trace`` is no seed handler.
    imported = body.replace("import torch\n", "import torch\n    from numpyro import handlers\n")
    assert findings(imported, header=False) == [(22, "NPR001"), (24, "NPR001"), (26, "NPR001")]


# --- event shapes -----------------------------------------------------------------------------


def test_vector_parameters_of_multivariate_distributions_are_events():
    body = """\
    def model(k=3):
        with numpyro.plate("groups", 5):
            numpyro.sample("p", dist.Dirichlet(jnp.full(k, 10.0)))
            numpyro.sample("m", dist.MultivariateNormal(jnp.zeros(k), jnp.eye(k)))
            numpyro.sample("c", dist.Multinomial(10, jnp.ones(k) / k))
            numpyro.sample("L", dist.LKJCholesky(k, 2.0))
            numpyro.sample("bad", dist.Normal(jnp.zeros(3), 1.0))
    """
    assert findings(body) == [(7, "NPR018")]


def test_a_column_observed_by_a_distribution_of_unknown_event_shape_is_left_alone():
    # luiarthur/TuringBnpBenchmarks: a mixture defined in the file with event_shape=(1,);
    # y[:, None] under the plate is batch (N,) + event (1,). A catalog distribution of
    # scalar draws still broadcasts the column against the plate.
    body = """\
    class NormalMixture(dist.Distribution):
        def __init__(self, mu, sigma):
            super().__init__(event_shape=(1,))
            self.mu, self.sigma = mu, sigma


    def model(y, likelihood):
        mu = numpyro.sample("mu", dist.Normal(0.0, 3.0))
        with numpyro.plate("data", y.shape[0]):
            numpyro.sample("obs", NormalMixture(mu, 1.0), obs=y[:, None])
            numpyro.sample("passed", likelihood, obs=y[:, None])
            numpyro.sample("vector", dist.Normal(mu, 1.0).to_event(1), obs=y[:, None])
            numpyro.sample("bad", dist.Normal(mu, 1.0), obs=y[:, None])
    """
    assert findings(body) == [(13, "NPR018")]


def test_a_batch_and_a_plate_of_sizes_not_shown_to_differ_are_not_a_mismatch():
    # numpy's test/infer/test_autoguide.py::test_autoguide_deterministic: ``y.size`` and
    # ``len(y)`` are one size for 1-d data; only sizes the file shows to differ clash.
    body = """\
    N, K = 100, 3


    def model(y=None):
        n, len_y = (y.size, len(y)) if y is not None else (1, 1)
        mu = numpyro.sample("mu", dist.Normal(0, 5))
        with numpyro.plate("N", len_y):
            y = numpyro.sample("y", dist.Normal(mu, 1.0).expand((n,)), obs=y)
        with numpyro.plate("data", N):
            numpyro.sample("w", dist.Normal(0.0, 1.0).expand([K]))
            numpyro.sample("v", dist.Normal(0.0, 1.0).expand([N]))
            numpyro.sample("u", dist.Normal(jnp.zeros(3), 1.0))
        with numpyro.plate("batch", N, subsample_size=10):  # its sites' batch is 10
            numpyro.sample("s", dist.Normal(0.0, 1.0).expand([10]))
    """
    assert findings(body) == [(10, "NPR018"), (12, "NPR018")]


# --- Predictive ------------------------------------------------------------------------


def test_data_the_model_reads_besides_observing_it_is_not_flagged_in_a_predictive():
    # numpyro_play's naive Bayes classifier predicts ``Y_i`` from the observed ``X``;
    # numpyro_example's regression imputes ``x`` and takes its shape.
    body = """\
    def classifier(X, y=None):
        n, d = X.shape
        pi = numpyro.sample("pi", dist.Dirichlet(jnp.ones(2)))
        with numpyro.plate("N", n):
            y = numpyro.sample("y", dist.Categorical(pi), obs=y)
            numpyro.sample("X", dist.Bernoulli(0.5).expand([n, d]).to_event(1), obs=X)


    def regression(x, y=None):
        w = numpyro.sample("w", dist.Normal(0.0, 1.0))
        if y is None:
            numpyro.deterministic("unobserved", 1.0)
        numpyro.sample("y", dist.Normal(w * x, 1.0), obs=y)


    samples = MCMC(NUTS(classifier), num_warmup=5, num_samples=5).get_samples()
    labels = Predictive(classifier, samples)(random.PRNGKey(1), X_test)["y"]
    fitted = Predictive(regression, samples)(random.PRNGKey(2), x_test, y_test)
    """
    assert findings(body) == [(18, "NPR017")]


def test_a_predictive_that_asks_for_a_forecast_may_pass_the_history():
    # numpyro-sts's Mauna Loa notebook: ``Predictive(model, samples)(key, n=..., y=train,
    # future=len(test))``, then reads ``predictions["y_future"]``. The same call without the
    # horizon, or with one that switches on no site, predicts the data it was given.
    body = """\
    def model(n, y=None, future=0, scale=1.0):
        level = numpyro.sample("level", dist.Normal(0.0, scale))
        numpyro.sample("y", dist.Normal(level, 1.0).expand([n]), obs=y)
        if future > 0:
            numpyro.sample("y_future", dist.Normal(level, 1.0).expand([future]))


    samples = MCMC(NUTS(model), num_warmup=5, num_samples=5).get_samples()
    forecast = Predictive(model, samples)(random.PRNGKey(1), n=10, y=train, future=5)
    fitted = Predictive(model, samples)(random.PRNGKey(2), n=10, y=train)
    scaled = Predictive(model, samples)(random.PRNGKey(3), n=10, y=train, scale=2.0)
    """
    assert findings(body) == [(10, "NPR017"), (11, "NPR017")]


def test_a_model_name_bound_again_at_module_level_is_not_read_as_the_function_above():
    # julianstastny/masters-thesis: ``model = generate_learning_model(0.1)`` below ``def
    # model``; the model it returns reads ``y`` to drive its state, so a Predictive given the
    # data is right. The function is still read where the name still is it, or wraps it.
    body = """\
    def model(y=None):
        mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
        numpyro.sample("y", dist.Normal(mu, 1.0), obs=y)


    model = handlers.seed(model, 0)
    samples = MCMC(NUTS(model), num_warmup=5, num_samples=5).get_samples()
    early = Predictive(model, samples)(random.PRNGKey(1), y=train)
    model = make_model(0.1)
    late = Predictive(model, samples)(random.PRNGKey(2), y=train)
    """
    assert findings(body) == [(8, "NPR017")]


def test_a_predictive_name_built_again_for_a_later_model_is_read_where_it_is_called():
    # banditkings/learning-causal-impact's pricing notebook: ``posterior_predictive`` wraps
    # ``demand_model``, where ``z`` is a covariate, and is called with ``z=z``; a later cell
    # builds it again for ``demand_model2``, which observes ``z``. Each call reads the
    # Predictive the name holds there, in a function as at module level.
    body = """\
    def demand_model(y, x, z):
        beta = numpyro.sample("beta", dist.Normal(0.0, 1.0))
        return numpyro.sample("demand", dist.Normal(beta * x + z, 1.0), obs=y)


    def demand_model2(y, x, z):
        beta = numpyro.sample("beta", dist.Normal(0.0, 1.0))
        sim_z = numpyro.sample("z", dist.Normal(6.0, 1.0), obs=z)
        return numpyro.sample("demand", dist.Normal(beta * x + sim_z, 1.0), obs=y)


    def predict(samples, x, z):
        posterior_predictive = Predictive(demand_model2, samples)
        return posterior_predictive(random.PRNGKey(0), y=None, x=x, z=z)


    posterior_predictive = Predictive(demand_model, posterior_samples=samples)
    early = posterior_predictive(random.PRNGKey(1), y=None, x=x, z=z)
    posterior_predictive = Predictive(demand_model2, samples)
    late = posterior_predictive(random.PRNGKey(2), y=None, x=x, z=z)
    """
    assert findings(body) == [(14, "NPR017"), (20, "NPR017")]


# --- Pyro beside NumPyro -------------------------------------------------------------------


def test_pyro_and_torch_outside_models_are_their_own():
    # numpyro_play (bdatko): one notebook runs a model in Pyro, then the same in NumPyro.
    body = """\
    import pyro
    import torch

    pyro.clear_param_store()
    store = pyro.get_param_store()
    weights = torch.zeros(3).cuda()


    def model(y=None):
        mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
        numpyro.sample("obs", dist.Normal(torch.exp(mu), 1.0), obs=y)
        return mu.cuda()
    """
    assert findings(body) == [(11, "NPR004"), (12, "NPR004")]


def test_a_torch_network_run_on_a_models_data_is_left_alone():
    # makkunda/pi-vae_inference_numpyro_jax maps the inputs through a torch network inside
    # the model: the data are concrete there, so the call runs; the draws are not.
    body = """\
    import torch


    def model(x, phi, y=None):
        z = numpyro.sample("z", dist.Normal(jnp.zeros(3), 1.0))
        phi_x = jnp.asarray(phi(torch.tensor(x).float()).detach().numpy())
        numpyro.sample("y", dist.Normal(phi_x @ z, 1.0), obs=y)
        return torch.sigmoid(z)
    """
    assert findings(body) == [(8, "NPR004")]


def test_a_loop_over_sites_of_different_kinds_is_not_offered_a_plate():
    # numpyro's AutoNormal.sample_posterior (a site per dict key), twinify's automodel (a
    # prior per feature, built elsewhere), a graph of nodes, exojax's spec_with_photo.py (a
    # site per molecule, over range(len(mols))): each iteration draws another kind of site.
    # A counted loop of one distribution named by its index is still offered the plate.
    source = HEADER + textwrap.dedent(
        """\
        def guide_draws(locs, scales):
            for k in locs:
                numpyro.sample(k, dist.Normal(locs[k], scales[k]))


        def feature_model(features, priors):
            for feature in features:
                numpyro.sample("{}_w".format(feature.name), dist.Normal(0.0, 1.0))
            for i in range(3):
                numpyro.sample(f"prior_{i}", priors[i])
            for i in range(len(features)):
                numpyro.sample("log" + features[i], dist.Uniform(-10.0, 0.0))


        def counted(y):
            for i in range(len(y)):
                numpyro.sample(f"obs_{i}", dist.Normal(0.0, 1.0), obs=y[i])
            for i, row in enumerate(y):
                numpyro.sample(f"row_{i}", dist.Normal(0.0, 1.0), obs=row)
        """
    )
    offset = HEADER.count("\n")
    hints = [f.span.line - offset for f in check_source(source, CATALOG) if f.code == "NPR007"]
    assert hints == [16, 18]


def test_a_truncated_normal_in_the_old_order_is_told_the_new_one():
    # qdpy-numpyro and others: TruncatedNormal(low, loc, scale), numpyro's order before 0.9.
    # "Pass the rest by keyword" would keep low as the loc; the message says what changed.
    source = HEADER + "a = dist.TruncatedNormal(0.0, 0.0, 0.5)\nb = dist.Normal(0.0, 1.0, 2.0)\n"
    messages = [f.message for f in check_source(source, CATALOG) if f.code == "NPR010"]
    assert messages == [
        "`TruncatedNormal` takes at most 2 positional arguments (loc, scale), got 3: before "
        "numpyro 0.9 they were (low, loc, scale): write `TruncatedNormal(loc, scale, low=...)`",
        "`Normal` takes at most 2 positional arguments (loc, scale), got 3: pass the rest by "
        "keyword",
    ]


def test_a_platform_set_platform_asserts_against_is_an_error_since_numpyro_0_20():
    # hstorm/template_numpyro_gpu_docker and qdpy-numpyro: set_platform("gpu"), which numpyro
    # 0.22 rejects (AssertionError: valid are cpu, cuda, rocm, tpu, METAL); 0.18 took it.
    source = HEADER + (
        'numpyro.set_platform("gpu")\nnumpyro.set_platform("cpu")\n'
        'numpyro.set_platform(platform="cuda,cpu")\nnumpyro.set_platform("tpuu")\n'
    )
    offset = HEADER.count("\n")
    found = [(f.span.line - offset, f.message) for f in check_source(source, CATALOG)]
    assert found == [
        (
            1,
            "numpyro 0.22.0's `set_platform` has no platform `gpu` (AssertionError): use `cuda` "
            "(or `rocm`)",
        ),
        (4, "numpyro 0.22.0's `set_platform` has no platform `tpuu` (AssertionError): use `tpu`"),
    ]
    older = read_catalog(shipped_catalog_path())
    older.numpyro_version = "0.19.0"
    assert check_source(source, older) == []


def test_a_site_after_a_block_that_returns_inside_a_with_is_in_another_branch():
    # dynestyx's profile-likelihood notebook: ``if c: with Discretizer(): return f(...)`` then
    # ``return f(...)``; the two never both run, directly or through a helper. After a block
    # that may fall through, the name is taken twice.
    body = """\
    def component():
        return numpyro.sample("alpha", dist.Normal(0.0, 1.0))


    def model(flag=False, other=False):
        if flag:
            with open("log.txt"):
                return numpyro.sample("alpha", dist.Normal(0.0, 1.0))
        if other:
            with open("log.txt"):
                return component()
        return numpyro.sample("alpha", dist.Normal(0.0, 1.0))


    def loop_model(n):
        for i in range(n):
            if i == 0:
                with open("log.txt"):
                    print(i)
                    numpyro.sample("beta", dist.Normal(0.0, 1.0))
            numpyro.sample("beta", dist.Normal(0.0, 1.0))
    """
    # In ``loop_model`` the first ``beta`` is drawn on the first iteration alone (``if i ==
    # 0:``); the second takes its name there, and on every iteration.
    assert findings(body) == [(21, "NPR006")]


def test_a_centered_site_reads_its_scale_as_it_is_where_the_site_is_drawn():
    # kaijennissen/Bayesian_Deep_Learning: weights drawn with ``scale = 1``, then ``scale``
    # given a latent precision for the likelihood: the weights are not centered on it. A
    # scale that is latent above the site still is.
    source = HEADER + textwrap.dedent(
        """\
        def model(x, y=None):
            scale = 1.0
            w = numpyro.sample("w", dist.Normal(0.0, scale))
            prec = numpyro.sample("prec", dist.Gamma(1.0, 1.0))
            scale = 1.0 / jnp.sqrt(prec)
            b = numpyro.sample("b", dist.Normal(0.0, scale))
            numpyro.sample("y", dist.Normal(w * x + b, scale), obs=y)
        """
    )
    offset = HEADER.count("\n")
    found = [(f.span.line - offset, f.code, f.message) for f in check_source(source, CATALOG)]
    assert [(line, code) for line, code, _ in found] == [(6, "NPR012")]
    assert "`b` is a centered hierarchical site (its Normal depends on `prec`)" in found[0][2]


def test_a_site_drawn_only_where_the_data_is_none_is_not_centered_for_nuts():
    # PriorVAE's and PriorCVAE's models: ``if y is None: sample("y_pred", Normal(f, sigma))``,
    # ``else: sample("y", ..., obs=y)``. MCMC runs with y and never samples y_pred; the same
    # site drawn under another test is still a centered one.
    source = HEADER + textwrap.dedent(
        """\
        def model(flag, y=None):
            z = numpyro.sample("z", dist.Normal(jnp.zeros(3), 1.0).to_event(1))
            sigma = numpyro.sample("sigma", dist.HalfNormal(0.1))
            if y is None:
                numpyro.sample("y_pred", dist.Normal(z, sigma).to_event(1))
            else:
                numpyro.sample("y", dist.Normal(z, sigma).to_event(1), obs=y)
            if flag is None:
                numpyro.sample("w", dist.Normal(z, sigma).to_event(1))
        """
    )
    offset = HEADER.count("\n")
    found = [(f.span.line - offset, f.code) for f in check_source(source, CATALOG)]
    assert found == [(9, "NPR012")]


def test_a_centered_sites_parents_are_the_draws_its_names_hold_where_it_is_drawn():
    # mmyros/bayes-window: ``b`` and ``sigma_b`` drawn per condition, then drawn again per
    # group; each slope is centered on the hyperpriors drawn just above it.
    source = HEADER + textwrap.dedent(
        """\
        def model(y=None):
            sigma_b = numpyro.sample("sigma_condition", dist.HalfNormal(1.0))
            b = numpyro.sample("b_condition", dist.Normal(0.0, 1.0))
            slope = numpyro.sample("slope", dist.Normal(b, sigma_b))
            sigma_b = numpyro.sample("sigma_group", dist.HalfNormal(1.0))
            b = numpyro.sample("b_group", dist.Normal(0.0, 1.0))
            offset = numpyro.sample("offset", dist.Normal(b, sigma_b))
            numpyro.sample("y", dist.Normal(slope + offset, 1.0), obs=y)
        """
    )
    messages = [f.message for f in check_source(source, CATALOG) if f.code == "NPR012"]
    assert [m.split(":")[0] for m in messages] == [
        "`slope` is a centered hierarchical site (its Normal depends on `b_condition`, "
        "`sigma_condition`)",
        "`offset` is a centered hierarchical site (its Normal depends on `b_group`, `sigma_group`)",
    ]


def test_a_model_only_handed_to_predictive_is_not_centered_for_nuts():
    # hublun/Bayesian_Aggregation_Average_Data: ``new_school`` draws a new school's effect
    # forward from the posterior of another model; nothing samples it. The same model given
    # to NUTS is centered.
    body = """\
    def new_school():
        mu = numpyro.sample("mu", dist.Normal(0, 5))
        tau = numpyro.sample("tau", dist.HalfCauchy(5))
        return numpyro.sample("obs", dist.Normal(mu, tau))


    def fitted():
        mu = numpyro.sample("mu", dist.Normal(0, 5))
        tau = numpyro.sample("tau", dist.HalfCauchy(5))
        return numpyro.sample("obs", dist.Normal(mu, tau))


    samples = MCMC(NUTS(fitted), num_warmup=5, num_samples=5).get_samples()
    new = Predictive(new_school, samples)(random.PRNGKey(1))
    """
    found = check_source(HEADER + textwrap.dedent(body), CATALOG)
    offset = HEADER.count("\n")
    assert [(f.span.line - offset, f.code) for f in found] == [(10, "NPR012")]


def test_one_key_handed_to_separate_exercises_is_flagged_only_where_their_draws_meet():
    # ludaavics/rethinking's notebooks hand one key to every exercise: a random walk and a
    # growth product, each printed, never meet; ianrmhill/stratcona's test histograms a
    # draw and its transform side by side. Legs drawn with the key of the height they are
    # computed with meet, and so do two draws returned together.
    body = """\
    key = random.PRNGKey(0)
    steps = dist.Uniform(-1, 1).sample(key, (1000, 16))
    positions = jnp.sum(steps, axis=1)
    print(positions.std())
    growth = jnp.prod(1 + dist.Uniform(0, 0.1).sample(key, (1000, 12)), axis=1)
    print(growth.mean())
    height = random.normal(key, (100,))
    leg = 0.4 * height + random.normal(key, (100,))


    def two(key):
        a = random.normal(key)
        b = dist.Normal(0, 1).sample(key)
        return a, b
    """
    assert findings(body) == [(8, "NPR015"), (13, "NPR015")]


def test_draws_in_the_two_arms_of_a_conditional_expression_never_both_run():
    # josephmargaryan/quantbayes's spectral layers: ``self.bias = normal(k3, (n,)) if vector
    # else normal(k3, ())`` draws once, whichever arm runs. A draw beside the conditional
    # expression still meets the one in its arm.
    body = """\
    class Layer:
        def __init__(self, key, n, vector_bias):
            k1, k2, k3 = random.split(key, 3)
            self.bias = random.normal(k3, (n,)) if vector_bias else random.normal(k3, ())
            self.scale = random.normal(k2, (n,)) + (random.normal(k2, ()) if vector_bias else 0.0)
    """
    assert findings(body) == [(5, "NPR015")]


def test_a_loop_drawing_with_one_key_is_flagged_outside_a_model_where_its_iterations_meet():
    # ludaavics/rethinking's chapter 9 plots the radial distance of draws for 1, 10 and 100
    # dimensions, each iteration on its own: they never meet. Replicates appended to one
    # list, summed, or drawn in a comprehension do; and in a model each draw is a site.
    body = """\
    key = random.PRNGKey(0)
    for d in [1, 10, 100]:
        y = dist.MultivariateNormal(jnp.zeros(d), jnp.eye(d)).sample(key, (1000,))
        radius = jnp.sqrt(jnp.sum(y**2, axis=1))
        print(radius.mean())
    replicates = []
    for i in range(10):
        y = random.normal(key, (100,))
        replicates.append(y.mean())
    total = 0.0
    for i in range(10):
        total = total + random.normal(key)
    means = [random.normal(key, (100,)).mean() for i in range(10)]


    def model(n):
        key = random.PRNGKey(0)
        for i in range(n):
            numpyro.sample(f"x{i}", dist.Normal(0, 1), rng_key=key)
    """
    assert findings(body) == [(8, "NPR015"), (12, "NPR015"), (13, "NPR015"), (19, "NPR015")]


def test_a_literal_assigned_once_above_in_the_function_is_the_value_checked():
    # ``scale = 0`` one line above is what ``scale`` certainly holds at the call; a value
    # given in a branch, changed with ``+=``, or a parameter's default may be another.
    body = """\
    def model(y=None):
        scale = 0
        numpyro.sample("mu", dist.Normal(0, scale), obs=y)


    def maybe(flag, y=None):
        scale = -1
        if flag:
            scale = 1
        numpyro.sample("mu", dist.HalfNormal(scale), obs=y)


    def changed(y=None, low=0):
        scale = 0
        scale += 1
        numpyro.sample("mu", dist.Normal(0, scale), obs=y)
        numpyro.sample("nu", dist.HalfNormal(low), obs=y)
    """
    assert findings(body) == [(3, "NPR011")]


def test_a_numpy_draw_as_a_params_initial_value_is_not_frozen():
    # d3p's logistic regression guide: param("M_loc", np.random.randn(D, K)). The initial
    # value is read at svi.init and ignored after; a draw elsewhere in the guide is frozen.
    body = """\
    def guide(D, K):
        loc = numpyro.param("loc", np.random.randn(D, K))
        scale = numpyro.param("scale", init_value=np.abs(np.random.randn(D, K)))
        noise = np.random.randn(D, K)
        numpyro.sample("w", dist.Normal(loc + noise, scale).to_event(2))
    """
    assert findings(body) == [(4, "NPR003")]


# --- device setup -------------------------------------------------------------------------------


def test_a_simulator_whose_draws_take_their_own_keys_is_plain_code():
    # hltlovespeach/PINTS_priorCVAE's priors/MM.py, run eagerly in a Python loop: each call
    # makes a new key from a NumPy draw and samples with it. A model that draws one site
    # without its own key is traced, and its NumPy draw frozen.
    body = """\
    def simulate(low, up):
        key = random.PRNGKey(np.random.randint(0, 100000))
        return numpyro.sample("k", dist.Uniform(low, up), rng_key=key)


    def model(y=None):
        key = random.PRNGKey(np.random.randint(0, 100000))
        k = numpyro.sample("k", dist.Uniform(0.0, 1.0), rng_key=key)
        numpyro.sample("y", dist.Normal(k, 1.0), obs=y)
    """
    assert findings(body) == [(7, "NPR003")]


def test_device_setup_after_configuration_and_wrappers_is_in_time():
    body = """\
    import argparse

    jax.config.update("jax_enable_x64", True)
    step = jax.jit(lambda x: jnp.sin(x))
    leaves = jax.tree_util.tree_leaves({"a": 1})
    make_key = lambda seed: random.PRNGKey(seed)

    if __name__ == "__main__":
        parser = argparse.ArgumentParser()
        parser.add_argument("--device", default="cpu")
        args = parser.parse_args()
        numpyro.set_platform(args.device)
        numpyro.set_host_device_count(2)
        key = random.PRNGKey(0)
        numpyro.set_host_device_count(4)
    """
    assert findings(body) == [(15, "NPR016")]


def test_derivatives_and_abstract_evaluation_start_no_backend():
    # martinjrobins/ode_numpyro wraps its solver at module level before setting the devices;
    # each of these leaves set_host_device_count(4) four devices (jax 0.10.2). jvp computes.
    body = """\
    force = jax.jacfwd(lambda x: jnp.sum(x**2))
    curvature = jax.hessian(lambda x: jnp.sum(x**2))
    jaxpr = jax.make_jaxpr(lambda x: x * 2)(1.0)
    shape = jax.eval_shape(lambda x: x, jax.ShapeDtypeStruct((3,), jnp.float32))

    if __name__ == "__main__":
        numpyro.set_host_device_count(4)
        jax.jvp(lambda x: x * 2, (1.0,), (1.0,))
        numpyro.set_host_device_count(2)
    """
    assert findings(body) == [(9, "NPR016")]


def test_numpys_print_options_start_no_backend():
    # numpyro_models (Brent-Morrison): print options at the top, the device count in __main__.
    body = """\
    jnp.set_printoptions(precision=3, linewidth=125)

    if __name__ == "__main__":
        numpyro.set_host_device_count(2)
        data = jnp.arange(3.0)
        numpyro.set_host_device_count(4)
    """
    assert findings(body) == [(6, "NPR016")]


def test_a_device_setup_repeated_as_it_was_made_in_time_is_not_flagged():
    # PINTS_priorCVAE's Ex_GP.ipynb: a later cell runs set_host_device_count(4) again, which
    # the first cell made before any JAX use; another count there has no effect.
    body = """\
    numpyro.set_host_device_count(4)
    x = jnp.ones(3)
    numpyro.set_host_device_count(4)
    numpyro.set_host_device_count(8)
    """
    assert findings(body) == [(4, "NPR016")]


def test_one_host_device_is_asked_for_anywhere():
    # wesleyjholt/numpyro-extras: a notebook's MCMC cell sets one device after the data.
    body = """\
    data = jnp.arange(3.0)
    numpyro.set_host_device_count(1)
    numpyro.set_host_device_count(n=1)
    numpyro.set_host_device_count(2)
    """
    assert findings(body) == [(4, "NPR016")]


def test_a_local_variable_is_not_the_function_of_the_same_name():
    body = """\
    def kernel(x, z):
        return jnp.exp(-((x - z) ** 2))


    def model(x, y=None):
        k = kernel(x, x)
        numpyro.sample("y", dist.MultivariateNormal(jnp.zeros(x.shape[0]), k), obs=y)


    def run_inference(model, x, y):
        kernel = NUTS(model)
        mcmc = MCMC(kernel, num_warmup=10, num_samples=10)
        mcmc.run(random.PRNGKey(0), x, y)
        return mcmc.get_samples()


    def summarize(samples, x):
        k = jnp.exp(kernel(x, x))
        if np.any(np.asarray(k) < 0):
            print("not positive")
        return np.mean(samples["y"])


    def main():
        return jax.vmap(lambda c: jnp.bincount(c, length=4))(jnp.zeros((3, 2), dtype=int))


    if __name__ == "__main__":
        numpyro.set_platform("cpu")
        main()
    """
    assert findings(body) == []


def test_stochastic_support_config_enumerate_contrib_sites_and_lambdas():
    body = """\
    from numpyro.contrib.funsor import config_enumerate
    from numpyro.contrib.hsgp.approximation import hsgp_squared_exponential
    from numpyro.contrib.stochastic_support.dcc import DCC


    def branching():
        k = numpyro.sample("k", dist.Bernoulli(0.5), infer={"branching": True})
        mean = 1.0 if k == 0 else 2.0
        numpyro.sample("obs", dist.Normal(mean, 1.0), obs=0.2)


    dcc = DCC(branching, mcmc_kwargs={})


    @config_enumerate
    def gmm(data):
        z = numpyro.sample("z", dist.Categorical(jnp.ones(3) / 3))
        numpyro.sample("obs", dist.Normal(z, 1.0), obs=data)


    MCMC(NUTS(gmm), num_warmup=10, num_samples=10)


    def gp(x, y=None):
        f = hsgp_squared_exponential(x=x, alpha=1.0, length=1.0, ell=1.0, m=10)
        numpyro.sample("y", dist.Normal(f, 1.0), obs=y)


    tr = handlers.trace(handlers.seed(gp, 0)).get_trace(jnp.ones(3))
    print(tr["beta"], tr["_y_log_det"] if "y" in tr else None)


    def test_one():
        def guide():
            numpyro.sample("a", dist.Normal(0.0, 1.0))


    def test_two():
        def guide():
            numpyro.sample("z", dist.Normal(0.0, 1.0))

        zs = jax.vmap(lambda k: handlers.trace(handlers.seed(guide, k)).get_trace()["z"])(
            random.split(random.PRNGKey(0), 2)
        )
    """
    assert findings(body) == []


def test_draws_with_their_own_key_are_not_sites_of_a_trace():
    body = """\
    def predict(key, means):
        draws = []
        for mean in means:
            key, subkey = random.split(key)
            draws.append(numpyro.sample("prediction", dist.Normal(mean, 1.0), rng_key=subkey))
        return jnp.array(draws)
    """
    assert findings(body) == []


def test_draws_only_shown_are_not_combined():
    # GregoryTomy/Causal-AI-Numpyro's Chapter2.py (the book's listing 2.4) shows that a
    # distribution's ``.sample(key)`` and ``numpyro.sample(..., rng_key=key)`` give the same
    # draws; a notebook cell may print them. Assigned and used together, they are correlated.
    body = """\
    key = random.PRNGKey(0)
    categorical = dist.Categorical(probs=jnp.array([0.45, 0.30, 0.25]))
    categorical.sample(key, sample_shape=(10,))
    numpyro.sample("cat", categorical, rng_key=key, sample_shape=(10,))
    print(random.normal(key, (3,)))
    print(f"again: {random.normal(key, (3,))}")

    x = random.normal(key, (100,))
    noise = random.normal(key, (100,))
    """
    # (indaba-pracs-2023 prints each draw in an f-string.)
    assert findings(body) == [(9, "NPR015")]


def test_an_undefined_lower_case_object_is_no_misspelt_class():
    # bdatko/numpyro_play's numpyro_params.py while a docstring is typed: the ``mcmc = MCMC(...)``
    # above is swallowed by the open string, and ``mcmc.get_samples()`` reads an undefined
    # name, which is the Python server's to report; probml's IPM_divergences.ipynb reads
    # ``beta.rvs(...)`` (scipy's). A class name misspelt in lower case is still reported.
    body = """\
    samples = mcmc.get_samples()["mu"]
    draws = beta.rvs(2, 2, size=3)
    kernel = nuts(lambda: None)
    """
    assert findings(body) == [(3, "NPR009")]


def test_an_import_alias_bound_again_at_module_level_is_no_longer_numpyros():
    # jejjohnson/gp_model_zoo's notebooks: ``dist = tfp.distributions`` after ``import
    # numpyro.distributions as dist``; ``dist.MultivariateNormalFullCovariance`` is
    # TensorFlow Probability's, which NPR009 reported as a name numpyro lacks.
    body = """\
    import tensorflow_probability.substrates.jax as tfp

    prior = dist.Normal(0.0, 1.0)
    dist = tfp.distributions
    pred = dist.MultivariateNormalFullCovariance(loc=jnp.zeros(2), covariance_matrix=jnp.eye(2))
    """
    assert findings(body) == []


def test_a_plain_alias_of_a_numpyro_module_is_followed():
    # ``D = numpyro.distributions`` binds what the import binds: a misspelt name through it
    # is reported, and a function named like an import takes the name back.
    body = """\
    D = numpyro.distributions
    prior = D.Normall(0.0, 1.0)


    def Predictive(model):
        return model


    predictive = Predictive(None, num_samples=3)
    """
    assert findings(body) == [(2, "NPR009")]


def test_a_distribution_name_in_lower_case_is_no_misspelt_class():
    # ``logistic(b * x)`` means a function (``jax.random.logistic`` or an ``expit`` helper not
    # imported yet): "did you mean NumPyro's `Logistic`?" would point at a distribution. A
    # lower-case near-miss that is not a distribution's name is still told its class.
    body = """\
    p = logistic(0.5 * jnp.ones(3))
    z = normal(key, (3,))
    kernel = nuts(lambda: None)
    """
    assert findings(body) == [(3, "NPR009")]
