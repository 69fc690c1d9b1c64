"""The parameterization advisor through the real server over stdio, like an editor runs it:
the lens, the command with its progress, the table in the log, the recommendation as an
information diagnostic with its code action, the applied action passing the smoke test, and
the divergence hint withdrawn where centering wins."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from conftest import EXAMPLES, ROOT, apply_action, code_actions

EIGHT_SCHOOLS = (EXAMPLES / "eight_schools.py").read_text()
STRONG_DATA = (ROOT / "tests" / "corpus" / "advise" / "varying_intercepts.py").read_text()
SOURCE = "numpyro advisor"
FLAT = """\
import numpyro
import numpyro.distributions as dist


def flat():
    numpyro.sample("x", dist.Normal(0, 1))
"""


async def advise(client, uri: str, model: str, options: dict | None = None):
    arguments = [uri, model] if options is None else [uri, model, options]
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.advise", arguments=arguments)
    )


def span(editor, uri: str, text: str) -> types.Range:
    start = editor.position(uri, text)
    return types.Range(start, types.Position(start.line, start.character + len(text)))


def of(client, uri: str, source: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.source == source]


async def test_the_lens_is_above_models_with_a_centered_site_only(client, editor):
    uri = editor.open("advise_lens.py", EIGHT_SCHOOLS + "\n\n" + FLAT)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )
    advice = [lens for lens in lenses if lens.command.command == "numpyro.advise"]
    assert [(lens.command.title, list(lens.command.arguments)) for lens in advice] == [
        ("Compare parameterizations", [uri, "eight_schools"])
    ]
    assert advice[0].range.start.line == editor.position(uri, "def eight_schools").line


async def test_eight_schools_advice_applies_in_one_click_and_then_passes(client, editor):
    uri = editor.open("advise_eight_schools.py", EIGHT_SCHOOLS)
    client.progress_reports.clear()
    client.log_messages.clear()
    client.messages.clear()
    advice = await advise(client, uri, "eight_schools")
    assert advice["recommended"] == "non-center theta", advice
    names = [v["name"] for v in advice["variants"]]
    assert names == ["as written", "non-center theta", "partially center theta"]
    written = advice["variants"][0]
    assert written["divergences"] > 0 and advice["variants"][1]["divergences"] == 0

    # Progress per variant, cancellable.
    (values,) = client.progress_reports.values()
    assert isinstance(values[0], types.WorkDoneProgressBegin) and values[0].cancellable
    messages = [v.message for v in values if isinstance(v, types.WorkDoneProgressReport)]
    for index, name in enumerate(names, start=1):
        assert any(m.startswith(f"{index}/3 {name}: sampling") for m in messages), messages
    # The table in the log, the summary as a message.
    (table,) = [m.message for m in client.log_messages if "ESS/s" in m.message]
    assert "non-center theta" in table and "partially center theta" in table
    assert any(m.message == advice["summary"] for m in client.messages)
    assert "non-center theta" in advice["summary"]

    # The recommendation on the site, with the action that makes exactly that change.
    (diagnostic,) = of(client, uri, SOURCE)
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    assert diagnostic.range.start == editor.position(uri, '"theta"')
    assert f"{written['divergences']} divergences" in diagnostic.message
    actions = await code_actions(client, editor, uri, '"theta"', 1, [diagnostic])
    (apply,) = [a for a in actions if a.title.startswith("Apply the advice")]
    assert apply.title == "Apply the advice: Non-center `theta` with LocScaleReparam(centered=0)"
    assert list(apply.diagnostics) == [diagnostic] and apply.is_preferred
    text = apply_action(editor, uri, apply)
    assert 'config={"theta": LocScaleReparam(centered=0)}' in text

    # The file as changed passes the smoke test.
    report = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.smokeTest", arguments=[uri, "eight_schools"])
    )
    assert report["verdict"] == "pass", report["details"]


async def test_strong_data_keeps_the_site_centered_and_withdraws_the_hint(client, editor):
    uri = editor.open("advise_strong_data.py", STRONG_DATA)
    for _ in range(100):
        if any(d.code == "NPR012" for d in client.diagnostics.get(uri, [])):
            break
        await asyncio.sleep(0.05)
    (hint,) = [d for d in client.diagnostics.get(uri, []) if d.code == "NPR012"]
    assert hint.range.start.line == editor.position(uri, '"alpha"').line

    published = asyncio.ensure_future(client.published.after(uri, lambda: None, timeout=120))
    advice = await advise(client, uri, "varying_intercepts")
    assert advice["recommended"] == "as written", advice
    assert advice["keep_centered"] == ["alpha"]
    await published
    for _ in range(100):  # the rules' next check drops the hint
        if not any(d.code == "NPR012" for d in client.diagnostics.get(uri, [])):
            break
        await asyncio.sleep(0.05)
    assert not [d for d in client.diagnostics.get(uri, []) if d.code == "NPR012"]
    (kept,) = of(client, uri, SOURCE)
    assert kept.message.startswith("Parameterization advice: keep `alpha` centered. Keep it")
    assert kept.severity == types.DiagnosticSeverity.Information
    actions = await code_actions(client, editor, uri, '"alpha"', 1, [kept])
    assert not [a for a in actions or [] if a.title.startswith("Apply the advice")]

    # An edit elsewhere keeps it withdrawn; a change to the model brings the hint back.
    await client.published.after(
        uri, lambda: editor.change(uri, (span(editor, uri, "N = 100"), "N = 100  # per group"))
    )
    assert not [d for d in client.diagnostics.get(uri, []) if d.code == "NPR012"]
    await client.published.after(
        uri,
        lambda: editor.change(uri, (span(editor, uri, "HalfNormal(5)"), "HalfNormal(3)")),
    )
    assert [d for d in client.diagnostics.get(uri, []) if d.code == "NPR012"]


async def test_cancelling_the_progress_stops_the_advice(client, editor):
    uri = editor.open("advise_cancel.py", EIGHT_SCHOOLS.replace("Normal(0, 5)", "Normal(0, 4)"))
    client.progress_reports.clear()
    run = asyncio.ensure_future(advise(client, uri, "eight_schools"))
    token = None
    for _ in range(600):
        token = next(iter(client.progress_reports), None)
        if token is not None:
            break
        await asyncio.sleep(0.05)
    assert token is not None
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token))
    advice = await asyncio.wait_for(run, 30)
    assert advice["cancelled"] is True
    assert advice["summary"] == "Parameterization advice for eight_schools: cancelled."
    assert advice["recommended"] is None


async def test_a_model_that_cannot_run_is_refused_with_the_reason(client, editor):
    uri = editor.open("advise_no_args.py", FLAT.replace("def flat():", "def flat(n):"))
    client.messages.clear()
    answer = await advise(client, uri, "flat")
    assert answer["verdict"] is None
    assert "# numpyro: smoke-args" in answer["summary"]


NESTED = (ROOT / "tests" / "corpus" / "centered" / "nested_plates.py").read_text()


def advice_diagnostic(editor, uri: str, marker: str, fix: dict) -> types.Diagnostic:
    """An advisor diagnostic as the client sends it back with a code action request."""
    start = editor.position(uri, marker)
    end = types.Position(start.line, start.character + len(marker))
    return types.Diagnostic(
        range=types.Range(start, end),
        message="Parameterization advice: ...",
        severity=types.DiagnosticSeverity.Information,
        code="advice",
        source=SOURCE,
        data={"model": fix["model"], "fix": {"kind": "reparameterize", **fix}},
    )


async def test_the_advice_action_makes_exactly_the_recommended_change(client, editor):
    # A partial centering of one site: at the site.
    uri = editor.open("advise_partial.py", EIGHT_SCHOOLS)
    fix = {"model": "eight_schools", "sites": ["theta"], "centered": 0.5}
    diagnostic = advice_diagnostic(editor, uri, '"theta"', fix)
    actions = await code_actions(client, editor, uri, '"theta"', 1, [diagnostic])
    (apply,) = [a for a in actions if a.title.startswith("Apply the advice")]
    assert apply.title == (
        "Apply the advice: Partially center `theta` with LocScaleReparam(centered=0.5)"
    )
    text = apply_action(editor, uri, apply)
    assert 'with numpyro.handlers.reparam(config={"theta": LocScaleReparam(centered=0.5)}):' in text
    assert "from numpyro.infer.reparam import LocScaleReparam" in text

    # Every site of a model: one config on the model.
    uri = editor.open("advise_all.py", NESTED)
    fix = {"model": "model", "sites": ["group_mean", "item"], "centered": 0}
    diagnostic = advice_diagnostic(editor, uri, '"item"', fix)
    actions = await code_actions(client, editor, uri, '"item"', 1, [diagnostic])
    (apply,) = [a for a in actions if a.title.startswith("Apply the advice")]
    assert apply.title == (
        "Apply the advice: Non-center `group_mean`, `item` with LocScaleReparam(centered=0)"
    )
    text = apply_action(editor, uri, apply)
    assert (
        '@numpyro.handlers.reparam(config={"group_mean": LocScaleReparam(centered=0), '
        '"item": LocScaleReparam(centered=0)})\ndef model(' in text
    )

    # Stale advice (the site is no longer a centered hierarchical site): no action.
    diagnostic = advice_diagnostic(editor, uri, '"item"', fix)
    actions = await code_actions(client, editor, uri, '"item"', 1, [diagnostic])
    assert not [a for a in actions if a.title.startswith("Apply the advice")]


def test_withdrawn_hints_are_the_sites_divergence_hints_while_the_model_is_unchanged():
    import ast
    from types import SimpleNamespace

    from numpyro_lsp.analysis.models import analyze_module
    from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
    from numpyro_lsp.features.advise import Withdrawn, fingerprint, without_withdrawn

    catalog = read_catalog(shipped_catalog_path())
    analysis = analyze_module(ast.parse(STRONG_DATA), catalog)
    memo = Withdrawn("varying_intercepts", fingerprint(analysis, "varying_intercepts"), {"alpha"})
    ls = SimpleNamespace(advice_withdrawn={"file:///x.py": {"varying_intercepts": memo}})
    where = types.Range(types.Position(20, 0), types.Position(20, 5))

    def hint(code: str, data: dict) -> types.Diagnostic:
        return types.Diagnostic(range=where, message=code, code=code, data=data)

    rule = hint(
        "NPR012", {"fix": {"kind": "non_center", "site": "alpha", "model": "varying_intercepts"}}
    )
    smoke = hint("smoke-divergences", {"site": "alpha"})
    other_site = hint("smoke-divergences", {"site": "mu"})
    other_code = hint("smoke-r-hat", {"site": "alpha"})
    found = [rule, smoke, other_site, other_code]
    assert without_withdrawn(ls, "file:///x.py", analysis, found) == [other_site, other_code]
    assert without_withdrawn(ls, "file:///other.py", analysis, found) == found
    # The model's code changed: the hints are back.
    edited = analyze_module(
        ast.parse(STRONG_DATA.replace("HalfNormal(5)", "HalfNormal(3)")), catalog
    )
    assert without_withdrawn(ls, "file:///x.py", edited, found) == found
    # An edit elsewhere in the file keeps them withdrawn.
    elsewhere = analyze_module(
        ast.parse(STRONG_DATA.replace("N = 100", "N = 100  # per group")), catalog
    )
    assert without_withdrawn(ls, "file:///x.py", elsewhere, found) == [other_site, other_code]
