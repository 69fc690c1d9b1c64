"""Diagnostics through the real server over stdio: on open, debounced after edits, versioned,
with related locations, and following the settings."""

from __future__ import annotations

from lsprotocol import types

from conftest import EXAMPLES


async def diagnostics_after(client, uri, action):
    return await client.published.after(uri, action)


async def test_example_gets_the_centered_site_hint_on_open(client, editor):
    text = (EXAMPLES / "eight_schools.py").read_text()
    uri_holder = {}
    params = await diagnostics_after(
        client,
        editor.uri_for("diag_example.py"),
        lambda: uri_holder.setdefault("uri", editor.open("diag_example.py", text)),
    )
    (diagnostic,) = params.diagnostics
    assert params.version == 1
    assert diagnostic.code == "NPR012"
    assert diagnostic.source == "numpyro"
    assert diagnostic.severity == types.DiagnosticSeverity.Hint
    start = editor.position(uri_holder["uri"], '"theta", dist.Normal')
    assert diagnostic.range.start == start
    assert diagnostic.range.end.character == start.character + len('"theta"')
    related = {r.message for r in diagnostic.related_information}
    assert related == {"`theta` depends on `mu`", "`theta` depends on `tau`"}
    assert diagnostic.data == {
        "fix": {"kind": "non_center", "site": "theta", "model": "eight_schools"}
    }


async def test_edits_are_debounced_and_versioned(client, editor):
    base = "import numpyro.distributions as dist\n"
    uri = editor.uri_for("diag_edit.py")
    await diagnostics_after(client, uri, lambda: editor.open("diag_edit.py", base))

    def type_quickly():
        for step in range(1, 6):
            editor.replace_all(uri, base + f"d = dist.HalfNormal(-{step})\n")

    params = await diagnostics_after(client, uri, type_quickly)
    assert params.version == 6  # only the last of the quick edits is checked
    (diagnostic,) = params.diagnostics
    assert diagnostic.code == "NPR011"
    assert diagnostic.message.endswith("got -5: numpyro raises ValueError")


async def test_broken_code_keeps_the_last_diagnostics(client, editor):
    uri = editor.uri_for("diag_broken.py")
    text = "import numpyro.distributions as dist\nd = dist.Normall(0, 1)\n"
    params = await diagnostics_after(client, uri, lambda: editor.open("diag_broken.py", text))
    assert [d.code for d in params.diagnostics] == ["NPR009"]
    editor.replace_all(uri, text + "def broken(:\n")
    fixed = text.replace("Normall", "Normal")
    params = await diagnostics_after(client, uri, lambda: editor.replace_all(uri, fixed))
    assert params.version == 3 and list(params.diagnostics) == []


async def test_utf16_ranges_after_emoji(client, editor):
    uri = editor.uri_for("diag_emoji.py")
    text = "import numpyro.distributions as dist\nd = ('🎲', dist.HalfNormal(-1))\n"
    params = await diagnostics_after(client, uri, lambda: editor.open("diag_emoji.py", text))
    (diagnostic,) = params.diagnostics
    assert diagnostic.range.start == editor.position(uri, "-1")
    assert diagnostic.range.end.character == diagnostic.range.start.character + 2


async def test_settings_change_severity_and_turn_rules_off(client, editor):
    uri = editor.uri_for("diag_settings.py")
    text = "import numpyro.distributions as dist\nd = dist.HalfNormal(-1)\ne = dist.Normall(0, 1)\n"
    await diagnostics_after(client, uri, lambda: editor.open("diag_settings.py", text))
    settings = {"numpyro": {"diagnostics": {"severity": {"NPR011": "off", "NPR009": "hint"}}}}
    params = await diagnostics_after(
        client,
        uri,
        lambda: client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=settings)
        ),
    )
    assert [(d.code, d.severity) for d in params.diagnostics] == [
        ("NPR009", types.DiagnosticSeverity.Hint)
    ]
    params = await diagnostics_after(
        client,
        uri,
        lambda: client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"numpyro": {}})
        ),
    )
    assert [d.code for d in params.diagnostics] == ["NPR011", "NPR009"]


async def test_noqa_comment_suppresses(client, editor):
    uri = editor.uri_for("diag_noqa.py")
    text = "import numpyro.distributions as dist\nd = dist.HalfNormal(-1)  # noqa: NPR011\n"
    params = await diagnostics_after(client, uri, lambda: editor.open("diag_noqa.py", text))
    assert list(params.diagnostics) == []
