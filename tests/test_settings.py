"""The one settings tree (settings.py): the extension's package.json and docs/settings.md are
made from it, the server, ``numpyro-lsp check`` and ``numpyro-lsp smoke`` read it, and a
wrong value gives one message naming the setting while its default is used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import ROOT
from numpyro_lsp.settings import Settings, SmokeSettings, Source, read
from numpyro_lsp.settings_docs import entries, settings_markdown, vscode_configuration

sys.path.insert(0, str(ROOT / "scripts"))
from gen_settings import PACKAGE_JSON, SETTINGS_MD  # noqa: E402


def test_package_json_declares_the_tree():
    declared = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["contributes"]
    assert declared["configuration"] == vscode_configuration(), (
        "run: python scripts/gen_settings.py"
    )


def test_settings_md_is_made_from_the_tree():
    assert SETTINGS_MD.read_text(encoding="utf-8") == settings_markdown(), (
        "run: python scripts/gen_settings.py"
    )


def test_every_setting_has_a_doc_and_a_default_it_accepts():
    for entry in entries():
        assert entry.info.doc.strip(), entry.editor_key
        assert read(nested({entry.editor_key: entry.default}))[1] == [], entry.editor_key


def nested(flat: dict[str, object]) -> dict:
    """``{"numpyro.smokeTest.warmup": 3}`` as an editor sends it:
    ``{"smokeTest": {"warmup": 3}}``."""
    tree: dict = {}
    for key, value in flat.items():
        *sections, name = key.removeprefix("numpyro.").split(".")
        table = tree
        for part in sections:
            table = table.setdefault(part, {})
        table[name] = value
    return tree


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"debounceMs": "fast"}, "numpyro.debounceMs: expected a whole number from 0 to 5000"),
        ({"debounceMs": True}, "numpyro.debounceMs: expected a whole number from 0 to 5000"),
        ({"smokeTest": {"warmup": -1}}, "numpyro.smokeTest.warmup: expected a whole number of"),
        ({"smokeTest": {"timeout": 0}}, "numpyro.smokeTest.timeout: expected a number of at"),
        ({"smokeTest": {"enabled": "false"}}, "numpyro.smokeTest.enabled: expected true or"),
        ({"diagnostics": {"ignore": "NPR001"}}, "numpyro.diagnostics.ignore: expected a list"),
        ({"diagnostics": {"severity": {"NPR001": "loud"}}}, "numpyro.diagnostics.severity:"),
        (
            {"diagnostics": {"severity": {"NPR777": "hint"}}},
            "numpyro.diagnostics.severity: unknown",
        ),
        ({"trace": {"server": "everything"}}, "numpyro.trace.server: expected one of `off`"),
        ({"smokeTest": 3}, "numpyro.smokeTest: expected an object"),
        ({"colour": "red"}, "numpyro.colour: unknown setting"),
    ],
)
def test_a_wrong_value_names_its_setting_and_keeps_the_default(raw, problem):
    settings, problems = read(raw)
    assert len(problems) == 1 and problems[0].startswith(problem), problems
    assert settings == Settings()


def test_values_are_read_and_normalized():
    settings, problems = read(
        {
            "debounceMs": 0,
            "diagnostics": {"select": ["npr0"], "severity": {"npr012": "off"}, "maxFileKb": 5},
            "smokeTest": {"warmup": 0, "samples": 20.0, "timeout": 30},
        }
    )
    assert problems == []
    assert settings.debounce_ms == 0
    assert settings.diagnostics.select == ("NPR0",)
    assert settings.diagnostics.max_check_chars == 5000
    rules = settings.diagnostics.rules
    assert rules.severity == {"NPR012": None} and not rules.enabled("NPR012")
    assert settings.smoke_test == SmokeSettings(warmup=0, samples=20, timeout_s=30.0)


def test_pyproject_keys_are_kebab_case_and_the_checks_sit_at_the_top():
    settings, problems = read(
        {
            "extend-select": ["NPR019"],
            "exclude": ["vendor/"],
            "smoke-test": {"chains": 1, "timeout": 10},
            "debounce-ms": 5,  # an editor setting: pyproject.toml cannot set it
        },
        source=Source.PYPROJECT,
    )
    assert settings.diagnostics.extend_select == ("NPR019",)
    assert settings.exclude == ("vendor/",)
    assert (settings.smoke_test.chains, settings.smoke_test.timeout_s) == (1, 10.0)
    assert problems == ["[tool.numpyro-lsp] debounce-ms: unknown setting (ignored)"]


def test_cli_reports_a_wrong_pyproject_value_and_uses_the_default(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.numpyro-lsp]\nignore = "NPR009"\n\n[tool.numpyro-lsp.smoke-test]\nchains = 0\n'
    )
    (tmp_path / "model.py").write_text("import numpyro.distributions as dist\nd = dist.Normall()\n")
    result = subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", "check", "model.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "NPR009" in result.stdout  # the default: nothing ignored
    assert result.stderr.splitlines() == [
        f"numpyro-lsp: {tmp_path / 'pyproject.toml'}: [tool.numpyro-lsp] ignore: expected a "
        "list of strings, got 'NPR009' (using the default)",
        f"numpyro-lsp: {tmp_path / 'pyproject.toml'}: [tool.numpyro-lsp] smoke-test.chains: "
        "expected a whole number of at least 1, got 0 (using the default 2)",
    ]


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"])


def vscode_defaults() -> dict:
    """What VS Code sends with every setting of package.json at its default."""
    declared = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["contributes"]
    return nested({k: v["default"] for k, v in declared["configuration"]["properties"].items()})


@pytest_lsp.fixture(config=SERVER)
async def vscode_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=ROOT.as_uri(),
            initialization_options=vscode_defaults(),
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_the_server_takes_every_setting_package_json_declares(vscode_client):
    info = await vscode_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.serverInfo")
    )
    assert info["settings"] == vscode_defaults()
    assert vscode_client.messages == []  # no setting unknown, no default refused
    # A wrong one afterwards is named, once.
    vscode_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {"smokeTest": {"chains": 0}}})
    )
    await vscode_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.serverInfo")
    )
    assert [m.message for m in vscode_client.messages] == [
        "numpyro-lsp settings: numpyro.smokeTest.chains: expected a whole number of at least 1, "
        "got 0 (using the default 2)"
    ]
