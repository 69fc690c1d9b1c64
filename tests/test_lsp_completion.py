"""Completion through the real server over stdio, as VS Code would ask for it."""

from __future__ import annotations

import pytest
from lsprotocol import types

from conftest import EXAMPLES

HEADER = "import numpyro\nimport numpyro.distributions as dist\n"


async def complete(client, editor, uri, marker, offset=0):
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=editor.position(uri, marker, offset),
        )
    )
    items = result.items if isinstance(result, types.CompletionList) else result or []
    return {item.label: item for item in items}


async def test_distributions_after_dist_dot_in_example(client, editor):
    uri = editor.open("eight_schools.py", (EXAMPLES / "eight_schools.py").read_text())
    items = await complete(client, editor, uri, "dist.Normal(mu", len("dist."))
    assert {"Normal", "HalfCauchy", "StudentT", "Dirichlet", "LKJCholesky"} <= items.keys()
    assert len([i for i in items.values() if i.kind == types.CompletionItemKind.Class]) > 115
    normal = items["Normal"]
    assert normal.detail == "Normal(loc=0.0, scale=1.0, *, validate_args=None)"
    # The text after the cursor is ``Normal(mu, tau)``: an existing call gets no parentheses.
    assert normal.insert_text is None
    # Only NumPyro names: Python's own completion is the user's Python server's job.
    assert "print" not in items and "np" not in items


@pytest.mark.parametrize(
    ("imports", "expression", "expected"),
    [
        ("import numpyro.distributions as D\n", "D.", "Gamma"),
        ("from numpyro import distributions as dist\n", "dist.", "Beta"),
        ("import numpyro\n", "numpyro.distributions.", "Poisson"),
        ("import numpyro\n", "numpyro.infer.", "NUTS"),
        ("import numpyro\n", "numpyro.", "plate"),
        ("from numpyro import handlers\n", "handlers.", "reparam"),
        ("import numpyro.handlers as h\n", "h.", "seed"),
        ("from numpyro.infer import reparam\n", "reparam.", "LocScaleReparam"),
        ("from numpyro.distributions import constraints\n", "constraints.", "positive"),
        ("import numpyro.distributions as dist\n", "dist.constraints.", "simplex"),
        ("from numpyro.distributions import transforms\n", "transforms.", "AffineTransform"),
        ("import numpyro.infer.autoguide as ag\n", "ag.", "AutoNormal"),
    ],
)
async def test_alias_aware_attribute_completion(client, editor, imports, expression, expected):
    text = f"{imports}\n\ndef model():\n    x = {expression}\n"
    uri = editor.open(f"alias_{abs(hash(text))}.py", text)
    items = await complete(client, editor, uri, expression, len(expression))
    assert expected in items


@pytest.mark.parametrize(
    ("line", "expected", "unexpected"),
    [
        ("from numpyro.infer.autoguide import ", "AutoDiagonalNormal", "NUTS"),
        ("from numpyro.distributions import ", "HalfNormal", "AutoNormal"),
        ("from numpyro.infer import MCMC, ", "NUTS", "Normal"),
        ("from numpyro.infer.reparam import ", "TransformReparam", "seed"),
        ("from numpyro import ", "handlers", "NUTS"),
        ("import numpyro.", "infer", "Normal"),
        ("from numpyro.", "distributions", "sample"),
        # Modules the catalog does not scan: numpyro 0.22's folder has them.
        ("import numpyro.contrib.", "hsgp", "autoguide"),
        ("from numpyro.contrib import ", "funsor", "NUTS"),
        ("import numpyro.", "contrib", "_typing"),
    ],
)
async def test_import_completion(client, editor, line, expected, unexpected):
    uri = editor.open(f"import_{abs(hash(line))}.py", line + "\n")
    items = await complete(client, editor, uri, line, len(line))
    assert expected in items
    assert unexpected not in items
    # An import names things; it does not call them.
    assert all(item.insert_text is None for item in items.values())


async def test_snippet_with_parameter_placeholders(client, editor):
    text = HEADER + "\ndef model():\n    mu = numpyro.sample('mu', dist.)\n"
    uri = editor.open("snippet.py", text)
    items = await complete(client, editor, uri, "dist.)", len("dist."))
    assert items["Normal"].insert_text == "Normal(${1:loc}, ${2:scale})"
    assert items["Normal"].insert_text_format == types.InsertTextFormat.Snippet
    assert items["HalfCauchy"].insert_text == "HalfCauchy(${1:scale})"
    # One of two alternative parametrizations, not both.
    assert items["Bernoulli"].insert_text == "Bernoulli(${1:probs})"


async def test_completes_inside_broken_code(client, editor):
    # Unbalanced brackets and an unfinished statement: the normal state while typing.
    text = HEADER + "\ndef model(:\n    x = numpyro.sample('x', dist.Normal(0, dist.\n"
    uri = editor.open("broken.py", text)
    items = await complete(client, editor, uri, "0, dist.", len("0, dist."))
    assert "HalfNormal" in items


async def test_no_completion_in_strings_comments_or_unknown_names(client, editor):
    text = HEADER + "# dist.\ns = 'dist.'\nimport os\nos.\n"
    uri = editor.open("quiet.py", text)
    for marker in ("# dist.", "'dist.", "os.\n"):
        items = await complete(client, editor, uri, marker, len(marker.rstrip("\n")))
        assert items == {}, marker


async def test_resolve_adds_markdown_docs(client, editor):
    uri = editor.open("resolve.py", HEADER + "x = dist.\n")
    items = await complete(client, editor, uri, "dist.\n", len("dist."))
    resolved = await client.completion_item_resolve_async(items["HalfNormal"])
    doc = resolved.documentation
    assert doc.kind == types.MarkupKind.Markdown
    assert "`scale`: positive" in doc.value
    assert "num.pyro.ai" in doc.value
    assert ":param" not in doc.value and ":class:" not in doc.value


async def test_unsaved_edit_adds_an_alias(client, editor):
    uri = editor.open("unsaved.py", "x = D.\n")
    assert await complete(client, editor, uri, "D.", 2) == {}
    editor.replace_all(uri, "import numpyro.distributions as D\nx = D.\n")
    items = await complete(client, editor, uri, "D.\n", 2)
    assert "Normal" in items


async def test_utf16_columns_after_emoji_and_crlf(client, editor):
    # An astral-plane emoji takes two UTF-16 units: the cursor position must account for it.
    text = "import numpyro.distributions as dist\r\ns = '🎲'; x = dist.\r\n"
    uri = editor.open("emoji.py", text)
    items = await complete(client, editor, uri, "dist.\r", len("dist."))
    assert "Normal" in items
