"""Hover through the real server over stdio."""

from __future__ import annotations

import pytest
from lsprotocol import types

from conftest import EXAMPLES

SOURCE = """\
import numpyro
import numpyro.distributions as dist
from numpyro import handlers
from numpyro.infer import MCMC, NUTS, Predictive
from numpyro.infer.autoguide import AutoNormal
from numpyro.infer.reparam import LocScaleReparam


def model(y=None):
    mu = numpyro.sample("mu", dist.Normal(0, 5))
    with numpyro.plate("J", 8), handlers.reparam(config={"t": LocScaleReparam(0)}):
        numpyro.sample("obs", dist.HalfNormal(1.0), obs=y)


guide = AutoNormal(model)
mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)
"""


async def hover(client, editor, uri, marker, offset=0):
    return await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=editor.position(uri, marker, offset),
        )
    )


@pytest.mark.parametrize(
    ("marker", "offset", "expected"),
    [
        (
            "dist.Normal",
            6,
            ["Normal(loc=0.0, scale=1.0", "**support** `real`", "`scale`: positive"],
        ),
        ("handlers.reparam", 10, ["effect handler", "numpyro.handlers.reparam", "handlers.html"]),
        ("AutoNormal(model)", 2, ["autoguide", "numpyro.infer.autoguide.AutoNormal"]),
        ("NUTS(model)", 1, ["MCMC kernel", "numpyro.infer.NUTS"]),
        ("LocScaleReparam(0)", 3, ["reparameterizer", "centered"]),
        ("numpyro.plate", 9, ["primitive", "plate(name, size"]),
        ("numpyro.sample(", 9, ["primitive", "sample(name, fn"]),
        ("Predictive\n", 3, ["numpyro.infer.Predictive"]),
        ("dist.HalfNormal", 1, ["module numpyro.distributions"]),
    ],
)
async def test_hover_on_catalog_names(client, editor, marker, offset, expected):
    uri = editor.open("hover.py", SOURCE)
    result = await hover(client, editor, uri, marker, offset)
    assert result is not None, marker
    assert result.contents.kind == types.MarkupKind.Markdown
    for text in expected:
        assert text in result.contents.value, (marker, text)
    assert ":param" not in result.contents.value


async def test_hover_range_covers_the_name(client, editor):
    uri = editor.open("hover_range.py", SOURCE)
    position = editor.position(uri, "dist.Normal", 7)
    result = await hover(client, editor, uri, "dist.Normal", 7)
    start = editor.position(uri, "dist.Normal", 5)
    assert result.range == types.Range(
        start=start, end=types.Position(start.line, start.character + len("Normal"))
    )
    assert result.range.start.line == position.line


async def test_no_hover_on_other_names(client, editor):
    uri = editor.open("hover_none.py", SOURCE)
    for marker, offset in (("model(y=None)", 1), ("mcmc =", 1), ("dist.Normal(0, 5)", 13)):
        assert await hover(client, editor, uri, marker, offset) is None, marker


async def test_hover_after_emoji_in_the_example(client, editor):
    text = (
        (EXAMPLES / "eight_schools.py")
        .read_text()
        .replace("dist.HalfCauchy(5))", "dist.HalfCauchy(5))  # 🎓🎓 tau")
    )
    text = text.replace("theta = numpyro", "theta = (lambda s: s)('🎓') and numpyro")
    uri = editor.open("hover_emoji.py", text)
    result = await hover(client, editor, uri, "dist.Normal(mu", 6)
    assert result is not None and "Normal(loc=0.0" in result.contents.value
