"""Every rule's documentation is its test: the bad example must fire the rule, the good one
must be silent under every default rule; and docs/rules.md is generated from the same text."""

from __future__ import annotations

import pytest

from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules import RULES
from numpyro_lsp.rules.base import DOC_SECTIONS
from numpyro_lsp.rules.engine import RuleSettings, check_source

CATALOG = read_catalog(shipped_catalog_path())
EVERY_RULE = RuleSettings(select=frozenset({"NPR"}))


@pytest.mark.parametrize("code", sorted(RULES))
def test_doc_has_every_section(code):
    rule = RULES[code]
    assert rule.doc.splitlines()[0] == f"{code} {rule.name}"
    for title in DOC_SECTIONS:
        assert rule.section(title), f"{code} lacks '## {title}'"
    assert rule.example("Example") and rule.example("Use instead")


@pytest.mark.parametrize("code", sorted(RULES))
def test_bad_example_fires(code):
    findings = check_source(RULES[code].example("Example"), CATALOG, EVERY_RULE)
    assert code in {f.code for f in findings}, findings


@pytest.mark.parametrize("code", sorted(RULES))
def test_good_example_is_silent(code):
    findings = check_source(RULES[code].example("Use instead"), CATALOG, EVERY_RULE)
    assert findings == []


def test_every_rule_module_is_held_independent_by_import_linter():
    import tomllib

    from conftest import ROOT
    from numpyro_lsp.rules import RULE_MODULES

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (independence,) = [c for c in config["contracts"] if c["type"] == "independence"]
    assert sorted(independence["modules"]) == sorted(m.__name__ for m in RULE_MODULES)
