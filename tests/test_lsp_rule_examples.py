"""Every rule fires in the editor on its documented bad example, where the CLI says, and is
silent on the good one."""

from __future__ import annotations

import pytest
from lsprotocol import types

from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules import RULES
from numpyro_lsp.rules.engine import RuleSettings, check_source

CATALOG = read_catalog(shipped_catalog_path())


@pytest.fixture(scope="module")
async def every_rule(client):
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"numpyro": {"diagnostics": {"select": ["NPR"]}}}
        )
    )


@pytest.mark.parametrize("code", sorted(RULES))
async def test_rule_examples_in_the_editor(client, editor, every_rule, code):
    rule = RULES[code]
    bad, good = rule.example("Example"), rule.example("Use instead")
    uri = editor.uri_for(f"example_{code}_bad.py")
    params = await client.published.after(uri, lambda: editor.open(f"example_{code}_bad.py", bad))
    expected = check_source(bad, CATALOG, RuleSettings(select=frozenset({"NPR"})))
    got = [(d.code, d.range.start.line + 1, d.range.start.character) for d in params.diagnostics]
    # The examples are ASCII, so UTF-16 columns equal ast's byte columns.
    assert got == [(f.code, f.span.line, f.span.column) for f in expected]
    assert code in {d.code for d in params.diagnostics}
    uri = editor.uri_for(f"example_{code}_good.py")
    params = await client.published.after(uri, lambda: editor.open(f"example_{code}_good.py", good))
    assert list(params.diagnostics) == []
