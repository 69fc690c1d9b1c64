"""The NUTS smoke test through the real server over stdio, like an editor runs it."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import EXAMPLES, ROOT, Editor

EIGHT_SCHOOLS = (EXAMPLES / "eight_schools.py").read_text()
NON_CENTERED = EIGHT_SCHOOLS.replace(
    "from numpyro.infer import MCMC, NUTS",
    "from numpyro.infer import MCMC, NUTS\nfrom numpyro.infer.reparam import LocScaleReparam",
).replace(
    "def eight_schools(",
    '@numpyro.handlers.reparam(config={"theta": LocScaleReparam(centered=0)})\ndef eight_schools(',
)
TINY = {"warmup": 20, "samples": 20, "chains": 1}
MODEL = """\
import os
import ctypes
import signal
import time

import numpyro
import numpyro.distributions as dist


def model():
    {statement}
    numpyro.sample("x", dist.Normal(0, 1))
"""
# How long a stopped run may take to report, on top of when it was stopped.
PROMPT_S = 1.5


async def smoke(client: LanguageClient, uri: str, model: str, options: dict | None = None):
    arguments = [uri, model] if options is None else [uri, model, options]
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.smokeTest", arguments=arguments)
    )


def smoke_diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.source == "numpyro smoke test"]


async def still_serves(client: LanguageClient, editor: Editor) -> None:
    uri = editor.open("alive.py", "import numpyro.distributions as dist\ndist.\n")
    result = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(1, 5))
    )
    assert any(item.label == "Normal" for item in result.items)
    info = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.serverInfo")
    )
    assert info["jaxImported"] is False


async def progress_messages(client: LanguageClient, phase: str) -> str:
    """Wait until a progress report of ``phase`` arrives; return its token."""
    for _ in range(600):
        for token, values in client.progress_reports.items():
            reports = [v for v in values if isinstance(v, types.WorkDoneProgressReport)]
            ended = any(isinstance(v, types.WorkDoneProgressEnd) for v in values)
            if not ended and any((r.message or "").startswith(phase) for r in reports):
                return token
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {phase} progress")


async def test_a_code_lens_above_each_model(client, editor):
    uri = editor.open("lens.py", EIGHT_SCHOOLS)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )
    # The smoke test's, then the shape lens's (tests/test_lsp_shape_lens.py) and the
    # parameterization advisor's (tests/test_lsp_advise.py).
    lens, shapes, advise = lenses
    assert shapes.command.title == "Shapes" and shapes.range == lens.range
    assert advise.command.title == "Compare parameterizations" and advise.range == lens.range
    assert lens.range.start.line == editor.position(uri, "def eight_schools").line
    assert lens.command.title == "Run NUTS smoke test"
    assert lens.command.command == "numpyro.smokeTest"
    assert list(lens.command.arguments) == [uri, "eight_schools"]


async def test_a_guide_gets_its_shapes_but_no_nuts_run(client, editor):
    # HughMcDougall's SVI notebooks: NUTS on a guide stopped at its Delta site ("use
    # numpyro.deterministic"); a guide has nothing for NUTS to sample.
    source = (
        "import numpyro\nimport numpyro.distributions as dist\n"
        "from numpyro.infer import SVI, Trace_ELBO\nfrom numpyro.optim import Adam\n\n\n"
        "def model(y=None):\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        "    numpyro.sample('y', dist.Normal(mu, 1), obs=y)\n\n\n"
        "def guide(y=None):\n    loc = numpyro.param('loc', 0.0)\n"
        "    numpyro.sample('mu', dist.Delta(loc))\n\n\n"
        "svi = SVI(model, guide, Adam(0.1), Trace_ELBO())\n"
    )
    uri = editor.open("svi.py", source)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )
    by_line: dict[int, list[str]] = {}
    for lens in lenses:
        by_line.setdefault(lens.range.start.line, []).append(lens.command.title)
    model, guide = (editor.position(uri, f"def {name}").line for name in ("model", "guide"))
    assert by_line[model] == ["Run NUTS smoke test", "Shapes"]
    assert by_line[guide] == ["Shapes"]


async def test_centered_eight_schools_reports_divergences_where_the_user_looks(client, editor):
    uri = editor.open("eight_schools.py", EIGHT_SCHOOLS)
    client.progress_reports.clear()
    result = asyncio.ensure_future(client.wait_for_notification("numpyro/smokeTestResult"))
    report = await smoke(client, uri, "eight_schools")
    assert report["verdict"] == "warn"
    # The editor's status bar gets the device and the verdict.
    result = await asyncio.wait_for(result, 10)
    assert (result.verdict, result.device) == ("warn", report["device"])
    assert report["divergences"] > 0
    assert report["chains"] == 2 and report["draws"] == 600
    assert set(report["sites"]) == {"mu", "tau", "theta"}
    assert report["device"].startswith(("cpu", "gpu", "cuda"))

    (values,) = client.progress_reports.values()
    assert isinstance(values[0], types.WorkDoneProgressBegin) and values[0].cancellable
    assert isinstance(values[-1], types.WorkDoneProgressEnd)
    messages = [v.message for v in values[1:-1]]
    phases = list(dict.fromkeys(m.split()[0] for m in messages))
    assert phases[-4:] == ["loading", "compiling", "warmup", "sampling"]
    percentages = [v.percentage for v in values[1:-1]]
    assert percentages == sorted(percentages) and percentages[-1] == 100

    (divergence,) = [d for d in smoke_diagnostics(client, uri) if d.code == "smoke-divergences"]
    theta = editor.position(uri, '"theta"')
    assert divergence.range.start == theta
    assert divergence.range.end.character == theta.character + len('"theta"')
    assert divergence.severity == types.DiagnosticSeverity.Warning
    assert "LocScaleReparam(centered=0)" in divergence.message
    assert divergence.data == {"site": "theta"}
    # The non-centering quick fix is attached to the divergence warning.
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=divergence.range,
            context=types.CodeActionContext(diagnostics=[divergence]),
        )
    )
    (fix,) = [a for a in actions if a.title == "Non-center `theta` with LocScaleReparam"]
    assert list(fix.diagnostics) == [divergence]

    assert client.messages[-1].message.startswith("NUTS smoke test of eight_schools: WARN")
    assert "theta[7]" in client.log_messages[-1].message

    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), editor.position(uri, '"tau"', 2))
    )
    assert "**tau**: posterior from the NUTS smoke test" in hover.contents.value
    assert "| `tau` |" in hover.contents.value


async def test_non_centered_eight_schools_is_clean(client, editor):
    uri = editor.open("eight_schools_noncentered.py", NON_CENTERED)
    report = await smoke(client, uri, "eight_schools")
    assert report["verdict"] == "pass", report["details"]
    assert report["divergences"] == 0
    assert smoke_diagnostics(client, uri) == []


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        ("os._exit(3)", "exited with status 3 while compiling"),
        ("ctypes.string_at(0)", "crashed with a segmentation fault (SIGSEGV) while compiling"),
        (
            "os.kill(os.getpid(), signal.SIGKILL)",
            "was killed (SIGKILL); the system may have run out of memory",
        ),
    ],
    ids=["os-exit", "segfault", "killed"],
)
async def test_a_crashing_worker_ends_the_run_at_once(client, editor, statement, said):
    source = MODEL.format(statement=statement)
    uri = editor.open("crash.py", source)
    started = time.perf_counter()
    report = await smoke(client, uri, "model", TINY)
    assert report["verdict"] == "fail"
    assert said in report["summary"]
    # The user is shown the cause and what to do.
    shown = client.messages[-1]
    assert shown.type == types.MessageType.Error and said in shown.message
    fix = "Run fewer chains or samples" if "SIGKILL" in said else "the next run starts a fresh"
    assert fix in shown.message
    (diagnostic,) = smoke_diagnostics(client, uri)
    if "SIGSEGV" in said:  # the crash's Python stack names the user's line
        assert diagnostic.range.start.line == editor.position(uri, statement).line
        assert f"It was at {report['path']}:" in diagnostic.message
    await still_serves(client, editor)
    assert time.perf_counter() - started < 30


async def test_after_a_crash_the_next_run_starts_a_fresh_worker(client, editor):
    uri = editor.open("after_crash.py", MODEL.format(statement="os._exit(1)"))
    assert (await smoke(client, uri, "model", TINY))["verdict"] == "fail"
    editor.replace_all(uri, MODEL.format(statement="pass"))
    report = await smoke(client, uri, "model", TINY)
    assert report["verdict"] in ("pass", "warn")
    assert "startup_s" in report["timings"]


async def test_a_hung_model_times_out_with_the_line_it_hung_on(client, editor):
    uri = editor.open("hang.py", MODEL.format(statement="time.sleep(600)"))
    started = time.perf_counter()
    report = await smoke(client, uri, "model", {**TINY, "timeout": 4})
    assert time.perf_counter() - started < 4 + PROMPT_S
    assert report["verdict"] == "fail"
    assert "timed out after 4 s" in report["summary"]
    assert "the worker did not stop and was killed" in report["summary"]
    (diagnostic,) = smoke_diagnostics(client, uri)
    assert diagnostic.range.start.line == editor.position(uri, "time.sleep").line
    await still_serves(client, editor)


async def test_cancelling_the_progress_stops_a_hung_model(client, editor):
    uri = editor.open("cancel_hang.py", MODEL.format(statement="time.sleep(600)"))
    client.progress_reports.clear()
    run = asyncio.ensure_future(smoke(client, uri, "model", TINY))
    token = await progress_messages(client, "compiling")
    asking = time.perf_counter()
    await still_serves(client, editor)  # while the run hangs
    assert time.perf_counter() - asking < 0.5
    await asyncio.sleep(0.5)  # well into the model's sleep
    cancelled_at = time.perf_counter()
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token))
    report = await run
    assert time.perf_counter() - cancelled_at < PROMPT_S
    assert report["verdict"] == "cancelled"
    assert report["summary"].endswith(
        "CANCELLED: The smoke test was cancelled while compiling; the worker did not stop "
        f"and was killed. It was at {report['path']}:{editor.position(uri, 'time.sleep').line + 1}."
    )
    assert smoke_diagnostics(client, uri) == []
    await still_serves(client, editor)


async def test_cancelling_during_sampling_keeps_the_worker(client, editor):
    uri = editor.open("cancel_sampling.py", MODEL.format(statement="pass"))
    long_run = {"warmup": 10, "samples": 2_000_000, "chains": 1}
    client.progress_reports.clear()
    run = asyncio.ensure_future(smoke(client, uri, "model", long_run))
    token = await progress_messages(client, "sampling")
    cancelled_at = time.perf_counter()
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token))
    report = await run
    assert time.perf_counter() - cancelled_at < PROMPT_S
    assert report["summary"].endswith("The smoke test was cancelled while sampling.")
    again = await smoke(client, uri, "model", TINY)
    assert "startup_s" not in again["timings"]  # the same worker, jax already imported


async def test_cancel_request_stops_the_run_and_one_run_at_a_time(client, editor):
    uri = editor.open("cancel_request.py", MODEL.format(statement="time.sleep(600)"))
    client.messages.clear()
    params = types.ExecuteCommandParams(command="numpyro.smokeTest", arguments=[uri, "model"])
    request = asyncio.ensure_future(
        client.protocol.send_request_async(
            types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="smoke-to-cancel"
        )
    )
    await progress_messages(client, "compiling")
    second = await smoke(client, uri, "model", TINY)
    assert second["verdict"] is None and "already running" in second["summary"]
    cancelled_at = time.perf_counter()
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="smoke-to-cancel"))
    with pytest.raises(JsonRpcException):
        await request
    cancelled = "NUTS smoke test of model: CANCELLED"
    while not any(m.message.startswith(cancelled) for m in client.messages):
        assert time.perf_counter() - cancelled_at < PROMPT_S
        await asyncio.sleep(0.02)
    await still_serves(client, editor)


async def test_missing_arguments_are_explained_at_the_model(client, editor):
    uri = editor.open("needs_args.py", EIGHT_SCHOOLS.split("if __name__")[0].replace("J = 8", ""))
    report = await smoke(client, uri, "eight_schools")
    assert report["verdict"] == "fail"
    (diagnostic,) = smoke_diagnostics(client, uri)
    assert diagnostic.range.start.line == editor.position(uri, "def eight_schools").line
    assert "# numpyro: smoke-args J=..." in diagnostic.message
    assert client.messages[-1].message.startswith(
        "NUTS smoke test of eight_schools could not start: `eight_schools` needs `J`"
    )


@pytest.mark.parametrize(
    ("arguments", "refused"),
    [
        (["file:///x.py", 3], "expected a string for the FunctionName, got 3"),
        ([None, "model"], "expected a string for the DocumentUri, got None"),
        (["file:///x.py"], "arguments, got 1"),
        (["file:///x.py", "model", {}, {}], "takes \\[uri, model, settings\\?\\]"),
    ],
)
async def test_wrong_arguments_are_refused_by_their_type(client, arguments, refused):
    with pytest.raises(JsonRpcException, match=refused):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="numpyro.smokeTest", arguments=arguments)
        )


async def test_bad_settings_are_refused(client, editor):
    uri = editor.open("bad_settings.py", EIGHT_SCHOOLS)
    refused = "^smoke test setting chains: expected a whole number of at least 1, got 0$"
    with pytest.raises(JsonRpcException, match=refused):
        await smoke(client, uri, "eight_schools", {"chains": 0})


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"]),
)
async def switched_off(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=ROOT.as_uri(),
            initialization_options={"smokeTest": {"enabled": False}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_an_option_turns_the_smoke_test_off(switched_off):
    editor = Editor(switched_off)
    uri = editor.open("off.py", EIGHT_SCHOOLS)
    lenses = await switched_off.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )
    assert not lenses
    report = await smoke(switched_off, uri, "eight_schools")
    assert report["verdict"] is None and "turned off" in report["summary"]
    # The shape lens runs the model's code too: off with it.
    report = await switched_off.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.shapes", arguments=[uri, "eight_schools"])
    )
    assert report["status"] is None and "smokeTest.enabled" in report["summary"]
