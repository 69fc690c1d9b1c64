"""Signature help through the real server over stdio."""

from __future__ import annotations

import pytest
from lsprotocol import types

HEADER = "import numpyro\nimport numpyro.distributions as dist\nimport jax.numpy as jnp\n"
HEADER += "from numpyro.infer import MCMC, NUTS\n\n"


async def signature(client, editor, text, marker, offset=None):
    uri = editor.open(f"sig_{abs(hash((text, marker)))}.py", text)
    offset = len(marker) if offset is None else offset
    return await client.text_document_signature_help_async(
        types.SignatureHelpParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=editor.position(uri, marker, offset),
        )
    )


def active_label(help: types.SignatureHelp) -> str:
    sig = help.signatures[0]
    start, end = sig.parameters[help.active_parameter].label
    return sig.label[start:end]


@pytest.mark.parametrize(
    ("code", "marker", "active"),
    [
        ("x = dist.Normal(", "dist.Normal(", "loc: real = 0.0"),
        ("x = dist.Normal(0.0, ", "0.0, ", "scale: positive = 1.0"),
        ("x = dist.Normal(jnp.zeros(3), ", "(3), ", "scale: positive = 1.0"),
        ("x = dist.Normal(jnp.zeros(3", "zeros(3", "loc: real = 0.0"),
        ("x = dist.Normal(scale=2.0, loc=", "loc=", "loc: real = 0.0"),
        ("x = dist.Gamma(concentration=1.0, ", "1.0, ", "rate: positive = 1.0"),
        ("x = dist.Beta(2.0, ", "2.0, ", "concentration0: positive"),
        ("m = MCMC(NUTS(model), num_warmup=", "num_warmup=", "num_warmup"),
        ('numpyro.sample("x", dist.Normal(0, 1), obs=', "obs=", "obs = None"),
        ('with numpyro.plate("J", ', '"J", ', "size"),
        ('numpyro.sample("a(b", ', '"a(b", ', "fn"),
    ],
)
async def test_active_parameter(client, editor, code, marker, active):
    help = await signature(client, editor, HEADER + code, marker)
    assert help is not None, code
    assert active_label(help) == active


async def test_constraints_in_parameter_docs(client, editor):
    help = await signature(client, editor, HEADER + "x = dist.HalfNormal(", "HalfNormal(")
    sig = help.signatures[0]
    assert sig.label.startswith("HalfNormal(scale: positive = 1.0")
    assert sig.parameters[0].documentation.value == "`scale` must be `positive`"


async def test_multiline_call_with_comment_and_string(client, editor):
    code = 'x = dist.StudentT(\n    3.0,  # df, not "(" \n    0.0,\n    '
    help = await signature(client, editor, HEADER + code, "0.0,\n    ")
    assert active_label(help) == "scale: positive = 1.0"


async def test_none_outside_catalog_calls(client, editor):
    assert await signature(client, editor, HEADER + "x = jnp.zeros(", "zeros(") is None
    assert await signature(client, editor, HEADER + "x = dist.Normal(0, 1)\n", ")\n", 1) is None
