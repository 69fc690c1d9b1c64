"""``numpyro-lsp check``: every rule on its documented examples, through the real command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from numpyro_lsp.rules import RULES

ROOT = Path(__file__).resolve().parents[1]


def check(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", "check", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("rule_examples")
    for code, rule in RULES.items():
        (folder / f"{code}_bad.py").write_text(rule.example("Example"))
        (folder / f"{code}_good.py").write_text(rule.example("Use instead"))
    return folder


@pytest.fixture(scope="module")
def reported(examples) -> dict[str, list[dict]]:
    result = check("--select", "NPR", "--format", "json", str(examples), cwd=examples)
    assert result.returncode == 1, result.stderr
    by_file: dict[str, list[dict]] = {}
    for finding in json.loads(result.stdout):
        by_file.setdefault(Path(finding["path"]).name, []).append(finding)
    return by_file


@pytest.mark.parametrize("code", sorted(RULES))
def test_bad_example_reported_at_its_place(code, examples, reported):
    findings = [f for f in reported.get(f"{code}_bad.py", []) if f["code"] == code]
    assert findings
    source = (examples / f"{code}_bad.py").read_text().splitlines()
    for finding in findings:
        assert 1 <= finding["line"] <= len(source)
        assert 1 <= finding["column"] <= len(source[finding["line"] - 1]) + 1


@pytest.mark.parametrize("code", sorted(RULES))
def test_good_example_not_reported(code, reported):
    assert f"{code}_good.py" not in reported


def test_text_output_is_sorted_path_line_col_code(examples):
    result = check(str(examples / "NPR009_bad.py"), str(examples / "NPR010_bad.py"))
    lines = result.stdout.splitlines()
    assert lines == [
        f"{examples / 'NPR009_bad.py'}:2:27: NPR009 `numpyro.infer` has no `NUTs`: did you mean "
        "`NUTS`?",
        f"{examples / 'NPR009_bad.py'}:4:9: NPR009 `numpyro.distributions` has no `Normall`: did "
        "you mean `Normal`?",
        f"{examples / 'NPR010_bad.py'}:3:21: NPR010 `Normal` has no parameter `mean`: did you mean "
        "`loc`?",
        f"{examples / 'NPR010_bad.py'}:3:31: NPR010 `Normal` has no parameter `sd`: did you mean "
        "`scale`?",
    ]
    assert result.returncode == 1


def test_exit_codes(examples, tmp_path):
    assert check(str(examples / "NPR012_bad.py")).returncode == 0  # a hint is not a failure
    assert check(str(examples / "NPR001_good.py")).returncode == 0
    assert check("--select", "NOPE", str(examples)).returncode == 2
    assert check(str(tmp_path / "missing.py")).returncode == 2
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    result = check(str(broken))
    assert result.returncode == 1 and ":1:7: E999 cannot parse" in result.stdout


# A module docstring as projects write them (notes and links at column 0, lines reading as
# code), and a model under a decorator whose arguments span lines.
HALF_TYPED_AROUND = {
    "docstring at column 0": (
        '"""Regression with missing features.\n\nref)\nfrom the forum: "mask" does not\n'
        "if the site is observed\nhttps://example.org/t/1719\n\n"
        "Imputation — a post\nhttps://example.org/imputation\n"
        "a note\nanother note\nyet another\nand one more\n'''\n\"\"\"\n\n"
        "import numpyro\nimport numpyro.distributions as dist\n\n\n"
        "def model():\n    numpyro.sample('s', dist.HalfNormal(-1.0))\n",
        22,
    ),
    "decorator over several lines": (
        "import numpyro\nimport numpyro.distributions as dist\nfrom numpyro import handlers\n\n\n"
        "@handlers.reparam(\n    config={},\n)\n"
        "def model():\n    numpyro.sample('s', dist.HalfNormal(-1.0))\n",
        10,
    ),
}


@pytest.mark.parametrize("case", HALF_TYPED_AROUND)
def test_only_the_unfinished_function_is_e999_and_the_model_above_is_checked(case, tmp_path):
    source, model_line = HALF_TYPED_AROUND[case]
    model = tmp_path / "model.py"
    model.write_text(source + "\n\ndef probe(:\n    a = dist.\n")
    lines = check(str(model)).stdout.splitlines()
    assert [line.split(" ")[1] for line in lines] == ["NPR011", "E999"]
    assert lines[0].startswith(f"{model}:{model_line}:")
    assert lines[1].startswith(f"{model}:{model_line + 3}:11: E999")


def test_reads_pyproject_and_flags_override_it(examples, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.numpyro-lsp]\nignore = ["NPR011"]\nextend-select = ["NPR019"]\n'
        'severity = { NPR009 = "hint" }\n'
    )
    (tmp_path / "model.py").write_text(
        "import numpyro\nimport numpyro.distributions as dist\n"
        "a = dist.HalfNormal(-1)\nb = dist.Normall(0, 1)\n"
        "def m():\n    numpyro.sample('p', dist.Gamma(0.001, 0.001))\n"
    )
    result = check("--format", "json", "model.py", cwd=tmp_path)
    found = [(f["code"], f["severity"]) for f in json.loads(result.stdout)]
    assert found == [("NPR009", "hint"), ("NPR019", "hint")]
    assert result.returncode == 0
    result = check("--select", "NPR011", "model.py", cwd=tmp_path)
    assert "NPR011" not in result.stdout  # still ignored by the config
    assert result.returncode == 0


def test_check_never_imports_jax(examples):
    code = (
        "import sys\nfrom numpyro_lsp.cli import main\n"
        f"rc = main(['check', {str(examples)!r}])\n"
        "assert 'jax' not in sys.modules and 'numpyro' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_docs_rules_md_is_in_sync():
    from numpyro_lsp.rules.docs import rules_markdown

    assert (ROOT / "docs" / "rules.md").read_text() == rules_markdown(), (
        "regenerate with: numpyro-lsp rules --markdown > docs/rules.md"
    )
