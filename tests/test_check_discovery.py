"""``numpyro-lsp check`` on a project tree, through the real command: it finds files the
way ruff does, checks code written for a newer Python than its own, and reports a file
nested too deeply for Python's parser instead of crashing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BAD = "import numpyro.distributions as dist\nprior = dist.Normall(0.0, 1.0)\n"


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", "check", "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def reported_files(result: subprocess.CompletedProcess) -> set[str]:
    assert result.returncode in (0, 1), result.stderr
    return {Path(f["path"]).as_posix() for f in json.loads(result.stdout)}


def write(path: Path, text: str = BAD) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_respects_gitignore_exclude_and_never_enters_environments(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitignore", "generated/\n*_scratch.py\n")
    write(tmp_path / "pyproject.toml", '[tool.numpyro-lsp]\nexclude = ["vendor/", "docs/*.py"]\n')
    for name in [
        "src/model.py",
        "src/notes_scratch.py",
        "generated/out.py",
        "vendor/lib.py",
        "docs/conf.py",
        "docs/guide/run.py",
        "env/lib/python3.11/site-packages/pkg/mod.py",
        "tools/site-packages/mod.py",
        "src/sub/kept.py",
        "src/sub/local.py",
        "notebooks/.ipynb_checkpoints/fit-checkpoint.py",
        # jupyterlab-lsp writes the notebooks it serves there as Python named *.ipynb (seen
        # in HughMcDougall/HughMcDougall.github.io): read as notebooks they were E902.
        "notebooks/.virtual_documents/fit.ipynb",
    ]:
        write(tmp_path / name)
    write(tmp_path / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path / "src" / "sub" / ".gitignore", "local.py\n")
    found = reported_files(check(".", cwd=tmp_path))
    assert found == {"src/model.py", "src/sub/kept.py", "docs/guide/run.py"}
    # A file named on the command line is checked whatever the patterns say.
    assert reported_files(check("vendor/lib.py", cwd=tmp_path)) == {"vendor/lib.py"}


def test_code_for_a_newer_python_is_checked_where_it_parses(tmp_path):
    newer = "type Point = tuple[float, float]\n\n\n"
    newer += "def first[T](xs: list[T]) -> T:\n    return xs[0]\n"
    source = BAD + "\n\n" + newer
    write(tmp_path / "model.py", source)
    result = check("model.py", cwd=tmp_path)
    # For Python 3.11, the two statements it cannot read are E999; the rest is checked.
    type_line = source[: source.index("type Point")].count("\n") + 1
    def_line = source[: source.index("def first")].count("\n") + 1
    assert [(f["line"], f["code"]) for f in json.loads(result.stdout)] == [
        (2, "NPR009"),
        (type_line, "E999"),
        (def_line, "E999"),
    ]
    write(tmp_path / "pyproject.toml", '[project]\nname = "p"\nrequires-python = ">=3.12"\n')
    result = check("model.py", cwd=tmp_path)
    assert [(f["line"], f["code"]) for f in json.loads(result.stdout)] == [(2, "NPR009")]


@pytest.mark.parametrize("metadata", ["PKG-INFO", "p-1.0.dist-info/METADATA"])
def test_a_published_package_declares_its_python_in_its_metadata(tmp_path, metadata):
    # unite's wheel (survey 7) declares ``Requires-Python: >=3.12`` only in its METADATA: a
    # 3.12 f-string that reuses its quote is the package's Python, not an error.
    write(tmp_path / "p" / "model.py", 'import numpyro\nname = "x"\nprint(f"{name + "y"}")\n')
    assert [f["code"] for f in json.loads(check(".", cwd=tmp_path).stdout)] == ["E999"]
    write(
        tmp_path / metadata,
        "Metadata-Version: 2.1\nName: p\nVersion: 1.0\nRequires-Python: >=3.12\n\nText\n",
    )
    assert json.loads(check(".", cwd=tmp_path).stdout) == []


def test_a_file_nested_past_the_parser_is_a_finding(tmp_path):
    write(tmp_path / "deep.py", "x = " + "+".join(["1"] * 50000) + "\n")
    write(tmp_path / "deeper.py", "x = " + "-" * 100000 + "1\n")
    write(tmp_path / "fine.py", BAD)
    # Valid, if odd: Python compiles it, and so does the checker.
    write(tmp_path / "odd.py", "def f(x):\n    if " + "not " * 1500 + "x:\n        return 1\n")
    result = check(".", cwd=tmp_path)
    codes = {Path(f["path"]).name: f["code"] for f in json.loads(result.stdout)}
    assert codes == {"deep.py": "E999", "deeper.py": "E999", "fine.py": "NPR009"}
