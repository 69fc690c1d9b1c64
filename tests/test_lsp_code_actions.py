"""Code actions through the real server: offered where they apply, versioned edits that keep
everything else byte-identical, nothing offered twice, quick fixes on their diagnostics."""

from __future__ import annotations

import subprocess
import sys

from lsprotocol import types

from conftest import EXAMPLES, ROOT, apply_action, code_actions
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules.engine import check_source

CATALOG = read_catalog(shipped_catalog_path())
EIGHT_SCHOOLS = (EXAMPLES / "eight_schools.py").read_text()


def by_title(actions):
    return {a.title: a for a in actions}


async def test_lightbulb_on_theta_offers_the_rewrites(client, editor):
    uri = editor.open("ca_offer.py", EIGHT_SCHOOLS)
    actions = by_title(await code_actions(client, editor, uri, '"theta"', 2))
    assert set(actions) == {
        "Non-center `theta` with LocScaleReparam",
        "Non-center `theta` with TransformReparam (explicit affine form)",
        "Non-center all hierarchical sites of `eight_schools` with LocScaleReparam",
    }
    assert actions["Non-center `theta` with LocScaleReparam"].kind == types.CodeActionKind.QuickFix
    assert actions["Non-center `theta` with LocScaleReparam"].is_preferred
    # Nothing on a site that is not hierarchical.
    assert await code_actions(client, editor, uri, '"mu"', 1) == []


async def test_locscale_rewrite_keeps_the_rest_and_is_not_offered_twice(client, editor):
    uri = editor.open("ca_locscale.py", EIGHT_SCHOOLS)
    action = by_title(await code_actions(client, editor, uri, '"theta"', 2))[
        "Non-center `theta` with LocScaleReparam"
    ]
    new_text = apply_action(editor, uri, action)
    assert new_text == EIGHT_SCHOOLS.replace(
        "from numpyro.infer import MCMC, NUTS\n",
        "from numpyro.infer import MCMC, NUTS\nfrom numpyro.infer.reparam import LocScaleReparam\n",
    ).replace(
        '        theta = numpyro.sample("theta", dist.Normal(mu, tau))\n',
        '        with numpyro.handlers.reparam(config={"theta": LocScaleReparam(centered=0)}):\n'
        '            theta = numpyro.sample("theta", dist.Normal(mu, tau))\n',
    )
    assert await code_actions(client, editor, uri, '"theta"', 2) == []
    assert [f for f in check_source(new_text, CATALOG)] == []


async def test_single_quotes_tabs_and_aliases_are_kept(client, editor):
    text = (
        "import numpyro as npr\n"
        "import numpyro.distributions as D\n"
        "from numpyro.handlers import reparam\n"
        "from numpyro.infer.reparam import TransformReparam\n\n"
        "def m(n):\n"
        "\tloc = npr.sample('loc', D.Normal(0, 1))  # prior\n"
        "\ts = npr.sample('s', D.HalfNormal(1.0))\n"
        "\twith npr.plate('n', n):\n"
        "\t\tnpr.sample('z', D.StudentT(3.0, loc, s).expand([n]).to_event(0))\n"
    )
    uri = editor.open("ca_style.py", text)
    actions = by_title(await code_actions(client, editor, uri, "'z'", 1))
    # A wrapped site gets LocScaleReparam, not the explicit affine form.
    assert "Non-center `z` with TransformReparam (explicit affine form)" not in actions
    new_text = apply_action(editor, uri, actions["Non-center `z` with LocScaleReparam"])
    assert new_text == text.replace(
        "from numpyro.infer.reparam import TransformReparam\n",
        "from numpyro.infer.reparam import LocScaleReparam, TransformReparam\n",
    ).replace(
        "\t\tnpr.sample('z', D.StudentT(3.0, loc, s).expand([n]).to_event(0))\n",
        "\t\twith reparam(config={'z': LocScaleReparam(centered=0, shape_params=('df',))}):\n"
        "\t\t\tnpr.sample('z', D.StudentT(3.0, loc, s).expand([n]).to_event(0))\n",
    )


async def test_entry_added_to_a_config_already_in_scope(client, editor):
    text = (
        "import numpyro\nimport numpyro.distributions as dist\n"
        "from numpyro.infer.reparam import LocScaleReparam\n\n"
        "def m():\n"
        "    a = numpyro.sample('a', dist.Normal(0, 1))\n"
        "    s = numpyro.sample('s', dist.HalfNormal(1))\n"
        "    with numpyro.handlers.reparam(config={'b': LocScaleReparam(0)}):\n"
        "        b = numpyro.sample('b', dist.Normal(a, s))\n"
        "        c = numpyro.sample('c', dist.Normal(b, s))\n"
    )
    uri = editor.open("ca_config.py", text)
    action = by_title(await code_actions(client, editor, uri, "'c'", 1))[
        "Non-center `c` with LocScaleReparam"
    ]
    new_text = apply_action(editor, uri, action)
    assert new_text == text.replace(
        "config={'b': LocScaleReparam(0)}",
        "config={'b': LocScaleReparam(0), 'c': LocScaleReparam(centered=0)}",
    )


async def test_all_sites_of_a_model_get_one_decorator(client, editor):
    text = (EXAMPLES.parent / "tests" / "corpus" / "centered" / "nested_plates.py").read_text()
    uri = editor.open("ca_all.py", text)
    action = by_title(await code_actions(client, editor, uri, '"item"', 2))[
        "Non-center all hierarchical sites of `model` with LocScaleReparam"
    ]
    new_text = apply_action(editor, uri, action)
    assert (
        '@numpyro.handlers.reparam(config={"group_mean": LocScaleReparam(centered=0), '
        '"item": LocScaleReparam(centered=0)})\ndef model(' in new_text
    )
    assert check_source(new_text, CATALOG) == []
    assert await code_actions(client, editor, uri, '"item"', 2) == []


async def test_quick_fixes_carried_by_diagnostics(client, editor):
    text = (
        "import numpy as np\nimport numpyro\nimport numpyro.distributions as dist\n"
        "from numpyro.infer import NUTs\n\n"
        "def model(y=None):\n"
        "    theta = numpyro.sample('theta', dist.Normall(0.0, 1.0))\n"
        "    numpyro.sample('obs', dist.Poisson(np.exp(theta)), obs=y)\n\n"
        "x = numpyro.sample('x', dist.Normal(mean=0.0, scale=1.0))\n"
    )
    uri = editor.uri_for("ca_fixes.py")
    published = await client.published.after(uri, lambda: editor.open("ca_fixes.py", text))
    titles = {}
    for diagnostic in published.diagnostics:
        position = diagnostic.range.start
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic]),
            )
        )
        for action in actions or []:
            assert list(action.diagnostics) == [diagnostic]
            titles[action.title] = (diagnostic.code, position)
    assert {title: code for title, (code, _) in titles.items()} == {
        "Replace `NUTs` with `NUTS`": "NPR009",
        "Replace `Normall` with `Normal`": "NPR009",
        "Use `jnp.exp` instead of `np.exp`": "NPR002",
        "Replace `mean` with `loc`": "NPR010",
        "Pass `rng_key=random.PRNGKey(0)`": "NPR001",
        "Wrap in `numpyro.handlers.seed(rng_seed=0)`": "NPR001",
    }


async def test_fixes_applied_one_after_another_leave_a_clean_file(client, editor):
    text = (
        "import numpy as np\nimport numpyro\nimport numpyro.distributions as dist\n\n"
        "def model(y=None):\n"
        "    theta = numpyro.sample('theta', dist.Normal(0.0, 1.0))\n"
        "    numpyro.sample('obs', dist.Poisson(np.exp(theta)), obs=y)\n\n"
        "x = numpyro.sample('x', dist.Normal(0.0, 1.0))\n"
    )
    uri = editor.uri_for("ca_sequence.py")
    published = await client.published.after(uri, lambda: editor.open("ca_sequence.py", text))
    while published.diagnostics:
        diagnostic = published.diagnostics[0]
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic]),
            )
        )
        preferred = next(a for a in actions if a.is_preferred)
        published = await client.published.after(
            uri, lambda preferred=preferred: apply_action(editor, uri, preferred)
        )
    final = editor.texts[uri]
    assert "import jax.numpy as jnp\n" in final and "jnp.exp(theta)" in final
    assert "rng_key=random.PRNGKey(0)" in final and "from jax import random\n" in final
    assert check_source(final, CATALOG) == []


async def test_loop_becomes_a_plate_that_numpyro_accepts(client, editor, tmp_path):
    text = (
        "import numpyro\nimport numpyro.distributions as dist\n\n\n"
        "def model(n, data=None):\n    for i in range(n):\n"
        "        numpyro.sample(f'x_{i}', dist.Normal(0.0, 1.0), obs=data[i])\n"
    )
    uri = editor.uri_for("ca_loop.py")
    published = await client.published.after(uri, lambda: editor.open("ca_loop.py", text))
    (diagnostic,) = published.diagnostics
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    (action,) = actions
    assert action.title == "Replace the loop with `numpyro.plate('n', ...)`"
    new_text = apply_action(editor, uri, action)
    header = "    with numpyro.plate('n', n):\n"
    body = "        numpyro.sample('x', dist.Normal(0.0, 1.0), obs=data)\n"
    assert header + body in new_text
    program = tmp_path / "plated.py"
    program.write_text(
        new_text + "\nfrom numpyro import handlers\nimport numpy as np\n"
        "trace = handlers.trace(handlers.seed(model, 0)).get_trace(3, np.arange(3.0))\n"
        "assert trace['x']['value'].shape == (3,), trace['x']['value'].shape\n"
    )
    result = subprocess.run([sys.executable, str(program)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_docs_code_actions_md_is_in_sync():
    generated = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_code_actions_doc.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (ROOT / "docs" / "code-actions.md").read_text() == generated, (
        "regenerate with: python scripts/gen_code_actions_doc.py > docs/code-actions.md"
    )


async def test_a_selection_over_two_sites_offers_all_sites_once(client, editor):
    text = (EXAMPLES.parent / "tests" / "corpus" / "centered" / "nested_plates.py").read_text()
    uri = editor.open("ca_selection.py", text)
    start, end = editor.position(uri, '"group_mean"'), editor.position(uri, '"item"', 2)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=start, end=end),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    titles = [a.title for a in actions]
    assert titles.count("Non-center all hierarchical sites of `model` with LocScaleReparam") == 1
    assert "Non-center `group_mean` with LocScaleReparam" in titles
    assert "Non-center `item` with LocScaleReparam" in titles
