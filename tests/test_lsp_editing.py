"""The editing pipeline through the real server: findings move with their lines when the
text changes (the smoke test's too, even while it runs), requests work on the version they
were asked about while edits keep arriving, and a bad fix payload takes no other action
down."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from conftest import EXAMPLES, Editor, apply_action, code_actions

EIGHT_SCHOOLS = (EXAMPLES / "eight_schools.py").read_text()
SMOKE = "numpyro smoke test"
HUNG = """\
import time

import numpyro
import numpyro.distributions as dist


def model():
    time.sleep(600)
    numpyro.sample("x", dist.Normal(0, 1))
"""
THREE_LINES = "# one\n# two\n# three\n"


def at(line: int, character: int = 0) -> types.Range:
    return types.Range(types.Position(line, character), types.Position(line, character))


async def smoke(client, uri: str, model: str, options: dict | None = None):
    arguments = [uri, model] if options is None else [uri, model, options]
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.smokeTest", arguments=arguments)
    )


async def published(client, uri: str, version: int | None, wanted=lambda params: True):
    """The first diagnostics published for ``uri`` under ``version`` (any, for None) that
    ``wanted``."""
    async with asyncio.timeout(10):
        while True:
            for params in client.published.log:
                if params.uri == uri and version in (None, params.version) and wanted(params):
                    return params
            await asyncio.sleep(0.02)


def by_source(params, source: str) -> list[types.Diagnostic]:
    return [d for d in params.diagnostics if d.source == source]


async def test_smoke_findings_move_with_their_lines_under_the_new_version(client, editor):
    # A model the smoke test cannot call (``J`` has no value): its finding is at the def.
    text = EIGHT_SCHOOLS.split("if __name__")[0].replace("J = 8", "")
    uri = editor.open("moved_smoke.py", text)
    await published(client, uri, 1)
    report = await smoke(client, uri, "eight_schools")
    assert report["verdict"] == "fail"
    ran = await published(client, uri, None, lambda p: by_source(p, SMOKE))
    (finding,) = by_source(ran, SMOKE)
    assert finding.range.start.line == editor.position(uri, "def eight_schools").line

    seen = len(client.published.log)
    version = editor.change(uri, (at(0), THREE_LINES))
    moved = await published(client, uri, None, lambda p: p in client.published.log[seen:])
    (finding,) = by_source(moved, SMOKE)
    assert finding.range.start.line == editor.position(uri, "def eight_schools").line
    assert moved.version == version
    # The check of the new version keeps it there, beside its own moved hint.
    checked = await published(client, uri, version, lambda p: by_source(p, "numpyro"))
    assert [d.range.start.line for d in by_source(checked, SMOKE)] == [
        editor.position(uri, "def eight_schools").line
    ]
    (hint,) = by_source(checked, "numpyro")
    assert hint.range.start == editor.position(uri, '"theta"')

    # An edit on the finding's own line withdraws it; the check's hint stays.
    line = editor.position(uri, "def eight_schools").line
    version = editor.change(uri, (at(line, 4), "renamed_"))
    checked = await published(client, uri, version, lambda p: by_source(p, "numpyro"))
    assert by_source(checked, SMOKE) == []
    assert len(by_source(checked, "numpyro")) == 1


async def test_findings_of_a_run_are_moved_through_the_edits_made_while_it_ran(client, editor):
    uri = editor.open("moved_while_running.py", HUNG)
    run = asyncio.ensure_future(smoke(client, uri, "model", {"timeout": 3, "warmup": 5}))
    await asyncio.sleep(1)  # the run is under way on version 1
    version = editor.change(uri, (at(0), THREE_LINES))
    report = await run
    assert "timed out" in report["summary"]
    (reported,) = report["findings"]  # at a line of version 1 (1-based)
    params = await published(client, uri, None, lambda p: by_source(p, SMOKE))
    (finding,) = by_source(params, SMOKE)
    assert finding.range.start.line == reported["line"] - 1 + THREE_LINES.count("\n")
    assert params.version == version


async def test_code_actions_and_hovers_answer_for_the_version_asked_while_edits_arrive(
    client, editor: Editor
):
    uri = editor.open("racing.py", EIGHT_SCHOOLS)
    await published(client, uri, 1)
    # A burst of edits, each with two ranges (a multi-cursor edit): a comment line above
    # the model, and a word appended at the end of the first line.
    for _ in range(5):
        editor.change(uri, (at(0), "# note\n"), (at(0, len("# note")), " more"))
    asked_at = editor.versions[uri]
    asked_text = editor.texts[uri]
    theta = editor.position(uri, '"theta"', 2)
    request = asyncio.ensure_future(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri),
                range=types.Range(theta, theta),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
    )
    hover = asyncio.ensure_future(
        client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), editor.position(uri, '"tau"', 2))
        )
    )
    await asyncio.sleep(0)  # the requests are sent, before the edits below
    # More edits arrive while the action is computed (the first one loads libcst).
    for _ in range(20):
        editor.change(uri, (at(0), "# later\n"), (at(1, 0), "# and\n"))
    actions = await request
    (action,) = [a for a in actions if a.title == "Non-center `theta` with LocScaleReparam"]
    (change,) = action.edit.document_changes
    assert change.text_document.version == asked_at
    editor.versions[uri], editor.texts[uri] = asked_at, asked_text
    fixed = apply_action(editor, uri, action)
    assert 'reparam(config={"theta": LocScaleReparam(centered=0)})' in fixed
    compile(fixed, "racing.py", "exec")
    assert "tau" in (await hover).contents.value


async def test_a_malformed_fix_payload_takes_no_other_action_down(client, editor):
    text = EIGHT_SCHOOLS.replace("dist.HalfCauchy(5)", "dist.HalfCauchyy(5)")
    uri = editor.open("bad_payload.py", text)
    params = await published(client, uri, 1)
    (unknown,) = [d for d in params.diagnostics if d.code == "NPR009"]
    malformed = [
        types.Diagnostic(
            range=unknown.range,
            message=unknown.message,
            code="NPR020",
            source="numpyro",
            data={"fix": data},
        )
        for data in (
            {"kind": "loop_to_plate", "plate": "numpyro.plate"},  # fields missing
            {"kind": "replace_name", "name": 3, "replacement": None},  # wrong types
            {"kind": "no_such_fix"},
            "not a payload",
        )
    ]
    actions = await code_actions(
        client, editor, uri, "HalfCauchyy", diagnostics=[*malformed, unknown]
    )
    titles = [a.title for a in actions]
    assert "Replace `HalfCauchyy` with `HalfCauchy`" in titles
    actions = await code_actions(client, editor, uri, '"theta"', 2, diagnostics=malformed)
    assert "Non-center `theta` with LocScaleReparam" in [a.title for a in actions]
