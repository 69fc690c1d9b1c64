"""The shipped catalog: coverage of numpyro's public API, clean docs, and freshness."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path


@pytest.fixture(scope="module")
def catalog():
    return read_catalog(shipped_catalog_path())


def names_of_kind(catalog, kind):
    return {o["name"] for o in catalog.objects.values() if o["kind"] == kind}


def test_every_public_distribution(catalog):
    distributions = names_of_kind(catalog, "distribution")
    assert len(distributions) > 115
    assert {
        "Normal",
        "HalfCauchy",
        "StudentT",
        "Bernoulli",
        "LKJCholesky",
        "GaussianRandomWalk",
    } <= (distributions)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "kernel",
            {"HMC", "NUTS", "SA", "BarkerMH", "HMCGibbs", "DiscreteHMCGibbs", "MixedHMC"}
            | {"HMCECS", "AIES", "ESS"},
        ),
        (
            "handler",
            {"seed", "reparam", "condition", "substitute", "block", "trace", "replay", "scale"}
            | {"mask", "do", "lift", "scope", "infer_config", "collapse", "uncondition"},
        ),
        (
            "primitive",
            {"sample", "param", "plate", "deterministic", "factor", "subsample", "prng_key"},
        ),
        (
            "autoguide",
            {"AutoNormal", "AutoDiagonalNormal", "AutoMultivariateNormal", "AutoDelta"}
            | {"AutoLowRankMultivariateNormal", "AutoBNAFNormal", "AutoIAFNormal", "AutoDAIS"}
            | {"AutoLaplaceApproximation", "AutoSemiDAIS", "AutoSurrogateLikelihoodDAIS"},
        ),
        ("elbo", {"Trace_ELBO", "TraceMeanField_ELBO", "TraceGraph_ELBO", "TraceEnum_ELBO"}),
        ("reparam", {"LocScaleReparam", "TransformReparam", "NeuTraReparam", "CircularReparam"}),
        ("inference", {"MCMC", "SVI", "Predictive"}),
        ("init_strategy", {"init_to_median", "init_to_sample", "init_to_value", "init_to_uniform"}),
        ("constraint", {"positive", "real", "simplex", "interval", "unit_interval"}),
        ("transform", {"AffineTransform", "ExpTransform", "SigmoidTransform"}),
    ],
)
def test_coverage_by_kind(catalog, kind, expected):
    assert expected <= names_of_kind(catalog, kind)


def test_distribution_facts(catalog):
    normal = catalog.objects["numpyro.distributions.Normal"]
    assert normal["signature"] == "Normal(loc=0.0, scale=1.0, *, validate_args=None)"
    scale = next(p for p in normal["params"] if p["name"] == "scale")
    assert scale["constraint"]["name"] == "positive"
    assert scale["constraint"]["lower"] == 0.0 and scale["constraint"]["lower_inclusive"] is False
    assert normal["support"]["name"] == "real"
    assert normal["has_rsample"] is True
    assert normal["loc_scale"] == {"shape_params": []}
    assert catalog.objects["numpyro.distributions.StudentT"]["loc_scale"] == {
        "shape_params": ["df"]
    }
    poisson = catalog.objects["numpyro.distributions.Poisson"]
    assert poisson["is_discrete"] is True and poisson["has_rsample"] is False
    beta = catalog.objects["numpyro.distributions.Beta"]
    assert [p["constraint"]["name"] for p in beta["params"][:2]] == ["positive", "positive"]
    assert "loc_scale" not in catalog.objects["numpyro.distributions.HalfNormal"]


def test_docs_are_clean_markdown_with_urls(catalog):
    for obj in catalog.objects.values():
        assert ":param" not in obj["doc"], obj["path"]
        assert ":class:`" not in obj["doc"] and ":func:`" not in obj["doc"], obj["path"]
        assert ":meth:`" not in obj["doc"], obj["path"]
        assert not re.search(r"^\s*\.\. \w+", obj["doc"], re.M), obj["path"]  # reST directive
    for kind in ("distribution", "handler", "kernel", "autoguide", "reparam", "primitive"):
        for obj in catalog.objects.values():
            if obj["kind"] == kind:
                assert obj["url"].startswith("https://num.pyro.ai/en/stable/"), obj["path"]
                if kind == "distribution":
                    assert obj["summary"], obj["path"]


def test_aliases_resolve_to_one_entry(catalog):
    assert catalog.lookup("numpyro.infer.NUTS").path == "numpyro.infer.NUTS"
    assert catalog.lookup("numpyro.infer.autoguide.AutoNormal").obj["kind"] == "autoguide"
    assert catalog.lookup("numpyro.handlers.reparam").obj["kind"] == "handler"
    assert catalog.lookup("numpyro.infer.reparam").module is not None
    assert catalog.lookup("numpyro.distributions.constraints.positive").obj["kind"] == "constraint"
    assert catalog.lookup("numpyro.distributions.Normall") is None
    # The modules that define what ``numpyro.infer`` exports: some notebooks import from them.
    assert catalog.lookup("numpyro.infer.mcmc.MCMC").path == "numpyro.infer.MCMC"
    assert catalog.lookup("numpyro.infer.hmc.NUTS").path == "numpyro.infer.NUTS"
    assert catalog.lookup("numpyro.infer.util.Predictive").obj["kind"] == "inference"


def test_shipped_catalog_matches_a_fresh_build(tmp_path):
    """Rebuilt with the installed numpyro in a subprocess, the catalog equals the shipped one,
    so the shipped file cannot go stale unnoticed (rebuild it with ``numpyro-lsp catalog
    --out server/numpyro_lsp/catalog/data/numpyro-VERSION.json``)."""
    out = tmp_path / "catalog.json"
    subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", "catalog", "--out", str(out)],
        check=True,
        timeout=300,
    )
    fresh = json.loads(out.read_text())
    shipped = json.loads(shipped_catalog_path().read_text())
    assert fresh["numpyro_version"] == shipped["numpyro_version"]
    assert fresh == shipped


def test_package_modules_are_what_import_finds(catalog):
    """Every module the catalog lists imports (or fails only for a missing optional
    dependency), and numpyro's own modules, scanned or not, are among them. (Not
    ``numpyro.examples``: importing its datasets makes a folder in the installed package.)"""
    script = (
        "import importlib, json, sys\n"
        "bad = []\n"
        "names = [n for n in json.load(sys.stdin) if not n.startswith('numpyro.examples')]\n"
        "for name in names:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as error:\n"
        "        if (error.name or '').split('.')[0] == 'numpyro':\n"
        "            bad.append(name)\n"
        "    except Exception:\n"
        "        pass  # found, failing on something else (an optional dependency's API)\n"
        "print(json.dumps(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(sorted(catalog.package_modules)),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={**__import__("os").environ, "JAX_PLATFORMS": "cpu"},
    )
    assert json.loads(done.stdout.splitlines()[-1]) == []
    assert set(catalog.modules) <= catalog.package_modules
    assert catalog.has_module("numpyro.contrib.hsgp.approximation")
    assert not catalog.has_module("numpyro.contrib.autoguide")
