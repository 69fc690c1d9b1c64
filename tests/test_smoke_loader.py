"""What the smoke test executes of a file and how it calls the model: plain ast, no jax."""

from __future__ import annotations

import ast
import textwrap

import pytest

from conftest import EXAMPLES
from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.rules.engine import check_source
from numpyro_lsp.smoke.loader import LoadError, plan_run

CATALOG = load_catalog().catalog
EIGHT_SCHOOLS = (EXAMPLES / "eight_schools.py").read_text()
HEADER = (
    "import numpyro\nimport numpyro.distributions as dist\nfrom numpyro.infer import MCMC, NUTS\n"
)


def plan(body: str, model: str | None = None):
    return plan_run(HEADER + textwrap.dedent(body), "/work/model.py", model, CATALOG)


def line_of(body: str, text: str) -> int:
    """The line ``text`` is on once ``body`` follows the header, as ``plan`` builds it."""
    source = HEADER + textwrap.dedent(body)
    return source[: source.index(text)].count("\n") + 1


def kept_source(result) -> str:
    tree = ast.parse(result.source)
    return "\n".join(ast.unparse(tree.body[i]) for i in result.kept_statements)


def test_eight_schools_runs_as_written():
    result = plan_run(EIGHT_SCHOOLS, "/x/eight_schools.py", None, CATALOG)
    assert result.model == "eight_schools"
    assert result.call.arguments == "J, sigma, y=y"  # the key and extra_fields left out
    assert result.call.origin == "`mcmc.run` on line 30"
    kept = kept_source(result)
    assert "def eight_schools" in kept and "sigma = np.array" in kept
    assert "__main__" not in kept and "mcmc.run" not in kept
    assert result.centered_sites == ("theta",)
    theta = result.sites["theta"]
    line = EIGHT_SCHOOLS.splitlines()[theta.line - 1]
    assert line[theta.start : theta.end] == '"theta"'


def test_inference_prints_and_what_depends_on_them_are_skipped():
    result = plan(
        """
        import numpy as np

        def run_inference(fn, data):
            mcmc = MCMC(NUTS(fn), num_warmup=10, num_samples=10)
            mcmc.run(None, data)
            return mcmc

        def model(y):
            numpyro.sample("y", dist.Normal(0, 1), obs=y)

        y = np.zeros(3)
        print("loaded", y)
        kernel = NUTS(model)
        mcmc = run_inference(model, y)
        samples = mcmc.get_samples()
        try:
            import funsor
        except ImportError:
            funsor = None
        """
    )
    kept = kept_source(result)
    assert "y = np.zeros(3)" in kept and "import funsor" in kept
    assert "def run_inference" in kept  # a definition runs nothing
    for skipped in ("print(", "kernel = ", "mcmc = run_inference", "samples = "):
        assert skipped not in kept
    # The run in the helper, whose first call passes the model: its argument is bound to
    # what that call passes (smoke/script_slice.py).
    assert result.call.arguments == "data"
    assert result.call.origin == "`mcmc.run` on line 9"
    assert result.script.lines == (18,) and "data = (y)" in result.script.parts[0]


def test_data_simulated_with_a_predictive_are_made_as_the_file_makes_them():
    # hstorm/template_numpyro_gpu_docker and cameronraysmith/applied-probabilistic-inference
    # simulate the data from the model's prior, then fit the model to them: a Predictive
    # runs the model forward, it is not inference.
    result = plan(
        """
        import jax.numpy as jnp
        from jax import random
        from numpyro.infer import Predictive

        def model(X, Y=None):
            b = numpyro.sample("b", dist.Normal(0, 1))
            numpyro.sample("Y", dist.Normal(b * X, 1), obs=Y)

        X = jnp.arange(5.0)
        prior_predictive = Predictive(model, num_samples=1)
        Y = prior_predictive(random.PRNGKey(0), X=X)["Y"][0]
        mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)
        mcmc.run(random.PRNGKey(1), X=X, Y=Y)
        posterior = Predictive(model, mcmc.get_samples())(random.PRNGKey(2), X=X)
        """
    )
    kept = kept_source(result)
    assert "prior_predictive = Predictive(model, num_samples=1)" in kept
    assert "Y = prior_predictive(" in kept
    assert "mcmc" not in kept and "posterior" not in kept  # it reads the draws
    assert result.call.arguments == "X=X, Y=Y"


def test_a_loop_that_binds_a_name_before_it_reads_it_does_not_read_the_skipped_one():
    # HughMcDougall's SVI notebook: ``c = ChainConsumer()`` with the draws (skipped), then a
    # data loop that sets ``m, c = ...`` before ``Ctrue.append(c)``.
    result = plan(
        """
        import numpy as np

        def model(X, Y=None):
            b = numpyro.sample("b", dist.Normal(0, 1))
            numpyro.sample("Y", dist.Normal(b * X, 1), obs=Y)

        mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)
        c = mcmc.get_samples()
        DATA, Ctrue = [], []
        for i in range(3):
            m, c = np.random.randn(), np.random.randn()
            Ctrue.append(c)
            DATA.append(m * np.arange(4.0) + c)
        X = np.concatenate(DATA)

        mcmc.run(None, X=X, Y=X + 1)
        """
    )
    kept = kept_source(result)
    assert "for i in range(3):" in kept and "X = np.concatenate(DATA)" in kept
    assert "c = mcmc.get_samples()" not in kept


def test_a_run_given_its_key_by_keyword_passes_the_rest():
    # kiwidamien/bayesian_modeling: ``chain_run.run(rng_key=random.PRNGKey(0), X=..., ...)``.
    result = plan(
        """
        import numpy as np
        from jax import random

        def model(X, n_sixes=None):
            p = numpyro.sample("p", dist.Beta(1, 1))
            numpyro.sample("n", dist.Binomial(X, p), obs=n_sixes)

        rolls = np.array([10, 20])
        chain_run = MCMC(NUTS(model), num_warmup=10, num_samples=10)
        chain_run.run(rng_key=random.PRNGKey(0), X=rolls, n_sixes=rolls // 6, extra_fields=())
        """
    )
    assert result.call.arguments == "X=rolls, n_sixes=rolls // 6"
    assert result.call.origin.startswith("`chain_run.run` on line")


def test_arguments_from_a_chained_mcmc_run_with_starred_arguments():
    result = plan(
        """
        data = {"x": 1.0}
        extra = (2.0,)

        def model(a, b, x=None):
            numpyro.sample("x", dist.Normal(a, b), obs=x)

        MCMC(NUTS(model), num_warmup=5, num_samples=5).run(
            key, 1.0, *extra, extra_fields=("diverging",), **data
        )
        """
    )
    assert result.call.arguments == "1.0, *extra, **data"


def test_a_smoke_args_comment_wins_and_is_checked():
    source = """
        sigma = 1.0

        # a model of one thing
        # numpyro: smoke-args 8, sigma, y=None
        @numpyro.handlers.scale(scale=1.0)
        def model(J, sigma, y):
            numpyro.sample("y", dist.Normal(0, sigma), obs=y)
        """
    result = plan(source)
    assert result.call.arguments == "8, sigma, y=None"
    own_names = source.replace("y=None", "y=[i * sigma for i in range(2)], f=lambda v: v")
    assert plan(own_names).call.arguments.endswith("f=lambda v: v")
    assert result.call.line == line_of(source, "# numpyro")
    with pytest.raises(LoadError, match="not a list of call arguments") as error:
        plan(source.replace("y=None", "y=)"))
    assert error.value.line == line_of(source, "# numpyro")


def test_missing_parameters_are_named_with_the_way_to_supply_them():
    body = """
        J = 8

        def model(J, sigma, y=None, *, scale=1.0):
            numpyro.sample("y", dist.Normal(0, scale), obs=y)
        """
    with pytest.raises(LoadError) as error:
        plan(body)
    message = error.value.message
    assert "`model` needs `sigma`" in message
    assert "# numpyro: smoke-args sigma=..." in message
    assert error.value.line == line_of(body, "def model")


def test_a_run_argument_set_only_under_main_is_built_by_the_script_slice():
    source = EIGHT_SCHOOLS.replace("J = 8\n", "").replace(
        "    nuts_kernel =", "    J = 8\n    nuts_kernel ="
    )
    result = plan_run(source, "/x/eight_schools.py", None, CATALOG)
    assert result.script.lines == (26,)  # J = 8, in the main block (smoke/script_slice.py)
    assert result.script.parts[0].splitlines()[25] == "J = 8"


def test_a_run_inside_a_function_with_a_name_nothing_sets_is_reported():
    with pytest.raises(LoadError, match="`load`, which neither the module nor the code before"):
        plan(
            """
            def model(X):
                numpyro.sample("X", dist.Normal(0, 1), obs=X)

            def main():
                X = load()
                mcmc = MCMC(NUTS(model), num_warmup=5, num_samples=5)
                mcmc.run(key, X)
            """
        )


def test_choosing_the_model():
    two = """
        def first():
            numpyro.sample("a", dist.Normal(0, 1))

        def second():
            numpyro.sample("b", dist.Normal(0, 1))
        """
    assert plan(two, "second").model == "second"
    with pytest.raises(LoadError, match="several models"):
        plan(two)
    with pytest.raises(LoadError, match="No model `third`.*`first`, `second`"):
        plan(two, "third")
    # A function being typed elsewhere leaves the others runnable, and is named.
    half_typed = textwrap.dedent(two) + "def broken(:\n    pass\n"
    result = plan(half_typed, "second")
    assert result.model == "second"
    (skipped,) = result.skipped
    assert skipped.first == line_of(half_typed, "def broken")
    assert "def broken" not in result.source  # the worker never sees the unfinished lines
    # The half-typed function itself cannot run yet; the syntax error is the Python
    # server's to show, so the message has no line of ours.
    with pytest.raises(LoadError, match="`broken` does not parse yet") as error:
        plan(half_typed, "broken")
    assert error.value.line is None


def test_a_model_defined_again_runs_its_last_definition():
    """Python binds the name to the last ``def``: that one runs, with its own sites and
    line, and the earlier one is not offered as a model of its own."""
    again = """
        def model():
            numpyro.sample("a", dist.Normal(0, 1))

        def model():
            numpyro.sample("b", dist.Normal(0, 1))
        """
    result = plan(again)  # one model: no "several models"
    assert result.model_line == line_of(textwrap.dedent(again), 'sample("b"') - 1
    assert result.sites["b"].line == line_of(again, 'sample("b"')
    assert plan(again, "model").model_line == result.model_line


CENTERING = """
    from numpyro.infer.reparam import LocScaleReparam

    def model():
        tau = numpyro.sample("tau", dist.HalfNormal(1.0))
        mu = numpyro.sample("mu", dist.Normal(0, 1))
        a = numpyro.sample("a", dist.Normal(mu, tau))
        b = numpyro.sample("b", dist.Normal(mu, 2.0))
        with numpyro.handlers.reparam(config={"c": LocScaleReparam(0)}):
            c = numpyro.sample("c", dist.Normal(0, tau))
        e = numpyro.sample("e", dist.Normal(0.0, jnp.exp(mu)))
        numpyro.sample("d", dist.Normal(a, tau), obs=1.0)
    """


def test_only_a_sampled_scale_without_reparam_is_centered():
    assert plan(CENTERING).centered_sites == ("a", "e")


def test_the_smoke_test_and_npr012_name_the_same_centered_sites():
    source = HEADER + "import jax.numpy as jnp\n" + textwrap.dedent(CENTERING)
    hinted = [f.fix["site"] for f in check_source(source, CATALOG) if f.code == "NPR012"]
    assert hinted == list(plan_run(source, "/work/model.py", None, CATALOG).centered_sites)


def test_site_columns_count_code_points():
    result = plan('def model():\n    x = "é" ; numpyro.sample("x", dist.Normal(0, 1))\n')
    position = result.sites["x"]
    line = result.source.splitlines()[position.line - 1]
    assert line[position.start : position.end] == '"x"'


def test_a_name_assigned_again_for_each_model_gives_each_run_its_own_model():
    # A notebook's habit: ``kernel`` and ``mcmc`` assigned again for each of its models.
    body = """
        def model_a(x):
            numpyro.sample("a", dist.Normal(x, 1))

        kernel = NUTS(model_a)
        mcmc = MCMC(kernel, num_warmup=10, num_samples=10)
        mcmc.run(None, x=1.0)

        def model_b(y):
            numpyro.sample("b", dist.Normal(y, 1))

        kernel = NUTS(model_b)
        mcmc = MCMC(kernel, num_warmup=10, num_samples=10)
        mcmc.run(None, y=2.0)
        """
    first, second = plan(body, "model_a"), plan(body, "model_b")
    assert (first.call.arguments, first.call.line) == ("x=1.0", line_of(body, "mcmc.run(None, x"))
    assert (second.call.arguments, second.call.line) == ("y=2.0", line_of(body, "mcmc.run(None, y"))


def test_what_a_skipped_loop_changes_is_not_read_by_what_runs():
    body = """
        import numpy as np

        def model(y):
            numpyro.sample("y", dist.Normal(0, 1), obs=y)

        y_obs = np.zeros(3)
        mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)
        mcmc.run(None, y=y_obs)
        draws = mcmc.get_samples()
        losses = []
        for draw in draws["y"]:
            losses.append(draw)
        best = np.argmin(losses)
        """
    kept = kept_source(plan(body))
    # The loop reads the draws, so it is skipped; ``losses`` is not what the script makes of it.
    assert "losses = []" in kept and "y_obs = np.zeros(3)" in kept
    assert "for draw in" not in kept and "best = " not in kept


def test_a_method_call_that_prepares_the_data_runs_and_a_plot_or_print_does_not():
    # A notebook's data preparation (statrethinking_lectures_numpyro, week 5): the encoder
    # is fitted by an expression statement, and ``transform`` fails on an unfitted one.
    body = """
        import os
        import numpy as np
        import pandas as pd
        from jax import config
        from sklearn.preprocessing import LabelEncoder

        def model(judge, score=None):
            numpyro.sample("score", dist.Normal(judge, 1.0), obs=score)

        def make_sampler(model):
            return SAMPLERS[0](model)

        frame = pd.DataFrame({"judge": ["a", "b"], "flight": ["red", "white"]})
        encoder = LabelEncoder()
        encoder.fit(frame["judge"])
        frame.replace("red", 1, inplace=True)
        frame["judge"] = encoder.transform(frame["judge"])
        frame.head()
        frame.plot(x="judge")
        frame.to_csv("prepared.csv")
        frame.describe().to_sql("t", None)
        os.system("echo run")
        np.random.seed(0)
        config.update("jax_debug_nans", False)
        encoder.fit(print(frame))
        sampler = make_sampler(model)  # what the analysis cannot tell for inference
        sampler.run(None, judge=frame["judge"].values)
        mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)
        mcmc.run(None, judge=frame["judge"].values)
        draws = mcmc.get_samples()
        frame.insert(0, "draws", draws["score"])
        best = frame["draws"]
        """
    kept = kept_source(plan(body))
    for runs in ("encoder.fit(frame['judge'])", "frame.replace('red', 1, inplace=True)"):
        assert runs in kept
    assert "frame.head()" in kept  # shows nothing where it runs: harmless
    assert "np.random.seed(0)" in kept  # the data the file simulates after it are its own
    assert "config.update('jax_debug_nans', False)" in kept
    # Plots, writes, prints, calls on a module and inference never run; what reads the
    # draws is skipped, and what it changes (``frame``) is then not what the script makes.
    never_run = ("plot", "to_csv", "to_sql", "os.system", "print", ".run(")
    for never in (*never_run, "draws"):
        assert never not in kept
    assert "best = " not in kept


def test_inference_imported_from_the_modules_that_define_it_is_known():
    # numpyro's discrete_imputation notebook: ``from numpyro.infer.mcmc import MCMC``.
    result = plan_run(
        textwrap.dedent(
            """
            import numpyro
            import numpyro.distributions as dist
            from numpyro.infer.hmc import NUTS
            from numpyro.infer.mcmc import MCMC

            def model(y):
                numpyro.sample("y", dist.Normal(0, 1), obs=y)

            kernel = NUTS(model)
            mcmc = MCMC(kernel, num_warmup=10, num_samples=10)
            mcmc.run(None, y=1.0)
            mcmc.print_summary()
            """
        ),
        "/work/model.py",
        None,
        CATALOG,
    )
    kept = kept_source(result)
    assert "NUTS(" not in kept and "MCMC(" not in kept and "mcmc." not in kept
    assert (result.call.arguments, result.call.origin) == ("y=1.0", "`mcmc.run` on line 12")


def test_a_function_that_evaluates_an_elbo_is_inference():
    # numpyro's gmm notebook picks the best of 100 initializations with ``elbo.loss``.
    kept = kept_source(
        plan(
            """
            from numpyro.infer import TraceEnum_ELBO

            def model(data):
                numpyro.sample("x", dist.Normal(0, 1), obs=data)

            elbo = TraceEnum_ELBO()

            def initialize(seed):
                return elbo.loss(None, {}, model, None, 1.0)

            loss, seed = min((initialize(seed), seed) for seed in range(100))
            data = 1.0
            """
        )
    )
    assert "elbo = TraceEnum_ELBO()" in kept and "data = 1.0" in kept
    assert "min((" not in kept


def test_a_model_fitted_with_svi_takes_the_arguments_of_its_run_and_of_svi():
    # rethinking-numpyro (fehiepsi): the data passed to SVI itself, as static keywords,
    # and bdatko/numpyro_play: the data passed to svi.run after the step count.
    body = """
        import pandas as pd
        from jax import random
        from numpyro import optim
        from numpyro.infer import SVI, Trace_ELBO
        from numpyro.infer.autoguide import AutoLaplaceApproximation

        def model(A, D=None):
            numpyro.sample("D", dist.Normal(A, 1.0), obs=D)

        def other(x, y=None):
            numpyro.sample("y", dist.Normal(x, 1.0), obs=y)

        d = pd.DataFrame({"A": [0.1, 0.2], "D": [1.0, 2.0]})
        guide = AutoLaplaceApproximation(model)
        svi = SVI(model, guide, optim.Adam(1), Trace_ELBO(), A=d.A.values, D=d.D.values)
        ret = svi.run(random.PRNGKey(0), 1000)
        svi_other = SVI(other, AutoLaplaceApproximation(other), optim.Adam(1), loss=Trace_ELBO())
        result = svi_other.run(random.PRNGKey(0), 500, d.A.values, progress_bar=False, y=d.D.values)
        """
    fitted, other = plan(body, "model"), plan(body, "other")
    assert (fitted.call.arguments, fitted.call.origin) == (
        "A=d.A.values, D=d.D.values",
        f"`svi.run` on line {line_of(body, 'ret = svi.run')}",
    )
    assert other.call.arguments == "d.A.values, y=d.D.values"
    kept = kept_source(fitted)
    assert "d = pd.DataFrame" in kept and "svi.run" not in kept


def test_a_lambdas_parameter_is_not_a_read_of_the_name_skipped_code_binds():
    # rethinking-numpyro's chapter 5: ``x`` is bound by a skipped statement earlier on, and
    # the columns are standardized with ``lambda x: (x - x.mean()) / x.std()``.
    body = """
        import pandas as pd

        def model(K):
            numpyro.sample("K", dist.Normal(0.0, 1.0), obs=K)

        mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)
        x = mcmc.get_samples()
        d = pd.DataFrame({"k": [1.0, 2.0]})
        d["K"] = d["k"].pipe(lambda x: (x - x.mean()) / x.std())
        shifted = d.K.map(lambda k: k + x["K"].mean())
        mcmc.run(None, K=d.K.values)
        """
    kept = kept_source(plan(body))
    assert "d['K'] = d['k'].pipe(lambda x:" in kept and "x = mcmc.get_samples()" not in kept
    # A lambda's body runs when what it is handed to calls it: it reads the draws.
    assert "shifted = " not in kept


def test_a_call_of_a_function_that_reads_the_draws_is_skipped():
    # rethinking-numpyro chapter 7: ``logprob_fn`` reads the posterior ``post``, and the
    # module-level ``vmap(logprob_fn)(...)`` that calls it ran into a NameError.
    body = """
        import jax.numpy as jnp
        from jax import vmap

        def model(y):
            numpyro.sample("y", dist.Normal(0, 1), obs=y)

        y_obs = jnp.zeros(3)
        mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)
        mcmc.run(None, y=y_obs)
        post = mcmc.get_samples()

        def logprob_fn(s):
            return dist.Normal(post["y"][s], 1.0).log_prob(y_obs)

        def total(n):
            return vmap(logprob_fn)(jnp.arange(n)).sum()

        logprob = vmap(logprob_fn, out_axes=1)(jnp.arange(10))
        both = total(10)
        scale = jnp.std(y_obs)
        """
    kept = kept_source(plan(body))
    assert "y_obs = jnp.zeros(3)" in kept and "scale = jnp.std(y_obs)" in kept
    assert "logprob = " not in kept and "both = " not in kept


def test_a_function_that_fits_a_model_in_a_lambda_is_inference():
    # rethinking-numpyro chapter 6: ``rep_sim_coll`` fits through ``lax.map(lambda i:
    # sim_coll(i), ...)``, and ``sim_coll`` runs SVI: the module-level map ran 100 fits.
    body = """
        import jax.numpy as jnp
        from jax import lax, random
        from numpyro import optim
        from numpyro.infer import SVI, Trace_ELBO
        from numpyro.infer.autoguide import AutoNormal

        def model(y):
            numpyro.sample("y", dist.Normal(0, 1), obs=y)

        def sim_coll(i):
            svi = SVI(model, AutoNormal(model), optim.Adam(0.01), Trace_ELBO(), y=i)
            return svi.run(random.PRNGKey(i), 100).params

        def rep_sim_coll(n):
            return lax.map(lambda i: sim_coll(i), jnp.arange(n))

        stddev = lax.map(lambda z: rep_sim_coll(100), jnp.arange(3))
        mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)
        mcmc.run(None, y=1.0)
        """
    assert "stddev = " not in kept_source(plan(body))


def test_a_model_chosen_by_a_conditional_expression_takes_the_runs_arguments():
    # jurader/irt_pystan_numpyro: ``model = model_1pl if MODEL == 0 else model_2pl``; with the
    # run unseen, the smoke test called the models with num_cases=0, their default.
    body = """
        import jax

        def model_1pl(y=None, num_cases=0):
            numpyro.sample("y", dist.Normal(0, 1).expand([num_cases]), obs=y)

        def model_2pl(y=None, num_cases=0):
            numpyro.sample("y", dist.Normal(1, 1).expand([num_cases]), obs=y)

        MODEL = 0
        num_case = 3
        model = model_1pl if MODEL == 0 else model_2pl
        nuts = NUTS(model)
        mcmc = MCMC(nuts, num_warmup=10, num_samples=10)
        mcmc.run(jax.random.PRNGKey(0), y=None, num_cases=num_case)
        """
    for name in ("model_1pl", "model_2pl"):
        call = plan(body, name).call
        assert (call.arguments, call.origin) == (
            "y=None, num_cases=num_case",
            f"`mcmc.run` on line {line_of(body, 'mcmc.run(')}",
        )
