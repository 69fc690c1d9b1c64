"""Site-name strings: where they are found, which model they resolve to, and NPR020."""

from __future__ import annotations

import ast
import textwrap

import cattrs
import pytest

from numpyro_lsp.actions import quick_fixes
from numpyro_lsp.analysis.document import ParsedDocument
from numpyro_lsp.analysis.models import analyze_module
from numpyro_lsp.analysis.sites import SiteIndex
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rewrite.fixes import structure
from numpyro_lsp.rules.engine import RuleSettings, check_source

CATALOG = read_catalog(shipped_catalog_path())
HEADER = """\
import functools
import numpyro
import numpyro.distributions as dist
from numpyro import handlers
from numpyro.contrib.funsor import config_enumerate, infer_discrete
from numpyro.infer import MCMC, NUTS, HMCGibbs, Predictive, init_to_value
from numpyro.infer.reparam import LocScaleReparam


def helper(n):
    with numpyro.plate("n", n):
        return numpyro.sample("z", dist.Normal(0.0, 1.0))


def model(J, y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
    helper(J)
    with numpyro.plate("J", J):
        theta = numpyro.sample("theta", dist.Normal(mu, 1.0))
        numpyro.sample("obs", dist.Normal(theta, 1.0), obs=y)


def other():
    numpyro.sample("w", dist.Normal(0.0, 1.0))

"""


def index_of(body: str) -> SiteIndex:
    return SiteIndex(analyze_module(ast.parse(HEADER + textwrap.dedent(body)), CATALOG))


def resolved(body: str) -> list[tuple[str, list[str], bool]]:
    return [
        (r.name, [m.function.name for m in r.models], r.explicit) for r in index_of(body).references
    ]


@pytest.mark.parametrize(
    "body",
    [
        'handlers.reparam(model, config={"theta": LocScaleReparam(0)})',
        'handlers.condition(model, data={"theta": 1.0})',
        'handlers.substitute(model, {"theta": 1.0})',
        'handlers.do(model, data={"theta": 1.0})',
        'handlers.block(model, hide=["theta"])',
        'handlers.block(model, expose=("theta",))',
        'Predictive(model, return_sites=["theta"])',
        'Predictive(model, posterior_samples={"theta": 1.0})',
        'NUTS(model, init_strategy=init_to_value(values={"theta": 0.0}))',
        'HMCGibbs(NUTS(model), gibbs_fn=None, gibbs_sites=["theta"])',
        'data = {"theta": 1.0}\nhandlers.condition(model, data=data)',
        'handlers.condition(model, data={"theta"})',  # a dict whose keys are being typed
        'mcmc = MCMC(NUTS(model), num_warmup=1, num_samples=1)\nmcmc.get_samples()["theta"]',
        "kernel = NUTS(model)\nmcmc = MCMC(kernel, num_warmup=1, num_samples=1)\n"
        'samples = mcmc.get_samples()\nsamples["theta"]',
        'Predictive(model, num_samples=2)(None, 3)["theta"]',
        'predictive = Predictive(model, num_samples=2)\nout = predictive(None, 3)\nout["theta"]',
        'handlers.trace(handlers.seed(model, 0)).get_trace(3)["theta"]',
        'handlers.trace(infer_discrete(config_enumerate(model))).get_trace(3)["theta"]',
        'conditioned = handlers.condition(model, data={})\nPredictive(conditioned, {})(0)["theta"]',
        'handlers.condition(functools.partial(model, 3), data={"theta": 1.0})',
    ],
)
def test_site_strings_resolve_to_the_model(body):
    assert resolved(body) == [("theta", ["model"], True)]


def test_handlers_inside_a_model_and_decorators_mean_that_model():
    body = """
    @handlers.reparam(config={"a": LocScaleReparam(0)})
    def decorated():
        numpyro.sample("a", dist.Normal(0.0, 1.0))
        with handlers.condition(data={"a": 0.0}):
            pass
    """
    assert resolved(body) == [("a", ["decorated"], True), ("a", ["decorated"], True)]


def test_unfollowed_models_fall_back_to_the_files_models():
    body = """
    def summarize(mcmc):
        return mcmc.get_samples()["theta"]
    """
    ((name, models, explicit),) = resolved(body)
    assert (name, explicit) == ("theta", False)
    assert set(models) == {"helper", "model", "other"}


def test_strings_that_are_not_site_names_are_left_alone():
    body = """
    d = {"theta": 1}
    d["theta"]
    handlers.condition(model, data=d)["x"]
    numpyro.sample("mu2", dist.Normal(0.0, 1.0), infer={"enumerate": "parallel"})
    def f(samples):
        return samples["theta"]
    """
    assert resolved(body) == [("theta", ["model"], True)]  # only the condition data


def test_a_models_sites_include_its_helpers_and_plates():
    index = index_of('handlers.block(model, hide=["z"])')
    (reference,) = index.references
    sites = index.sites_of(reference.models[0])
    assert [d.site.name for d in sites.sites] == ["mu", "theta", "obs", "z"]
    assert sites.names == {"mu", "theta", "obs", "z", "J", "n"}
    assert sites.complete
    (definition,) = index.definitions(reference)
    assert definition.owner.function.name == "helper"


def test_generated_names_and_unknown_calls_make_a_model_incomplete():
    index = index_of(
        """
    def loop(T, step):
        for t in range(T):
            numpyro.sample(f"x_{t}", dist.Normal(0.0, 1.0))

    def calls_a_parameter(prior):
        prior()

    handlers.block(loop, hide=["x_0"])
    handlers.block(calls_a_parameter, hide=["p"])
    """
    )
    assert [index.sites_of(r.models[0]).complete for r in index.references] == [False, False]


def check(body: str) -> list[tuple[int, str]]:
    source = HEADER + textwrap.dedent(body)
    findings = check_source(source, CATALOG, RuleSettings(select=frozenset({"NPR020"})))
    return [(f.span.line - HEADER.count("\n"), f.message) for f in findings]


def test_npr020_flags_unknown_names_with_did_you_mean():
    body = """
    handlers.condition(model, data={"thetaa": 1.0, "mu": 0.0})
    mcmc = MCMC(NUTS(model), num_warmup=1, num_samples=1)
    print(mcmc.get_samples()["sigma"])
    """
    assert check(body) == [
        (2, '"thetaa" names no site of `model`: did you mean `theta`?'),
        (4, '"sigma" names no site of `model`: check the name'),
    ]


@pytest.mark.parametrize(
    "body",
    [
        'handlers.block(model, hide=["J", "z"])',  # plates and helpers' sites
        'handlers.block(model, hide=[""])',  # still being typed
        'MCMC(NUTS(model), num_warmup=1, num_samples=1).get_samples()["theta_decentered"]',
        'def summarize(mcmc):\n    return mcmc.get_samples()["unknown"]',  # model not followed
        'def loop(T):\n    for t in range(T):\n        numpyro.sample(f"x_{t}", dist.Normal(0, 1))'
        '\n\nhandlers.block(loop, hide=["x_3"])',
        # A line of the model being typed (masked to read the rest) may draw the site.
        'def typed():\n    s = numpyro.sample("s", dist.HalfNormal(\n    return s'
        '\n\nhandlers.block(typed, hide=["s"])',
    ],
)
def test_npr020_is_quiet_when_it_cannot_know(body):
    assert check(body) == []


def test_npr020_did_you_mean_is_a_quick_fix():
    source = HEADER + 'handlers.condition(model, data={"thetaa": 1.0})\n'
    (finding,) = check_source(source, CATALOG, RuleSettings(select=frozenset({"NPR020"})))
    document = ParsedDocument("file:///m.py", 1, source)
    (action,) = quick_fixes(
        document,
        document.analysis(CATALOG),
        "NPR020",
        finding.span,
        structure(finding.fix, cattrs.Converter()),
    )
    assert action.title == "Replace `thetaa` with `theta`"
    (edit,) = action.edits
    assert edit.text == 'handlers.condition(model, data={"theta": 1.0})\n'
