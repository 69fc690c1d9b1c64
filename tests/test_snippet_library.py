"""The snippet file: well formed, documented in docs/snippets.md, and the very file that the
installed server and the VS Code extension ship."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT
from numpyro_lsp.snippets.docs import snippets_markdown
from numpyro_lsp.snippets.library import (
    REPOSITORY_SNIPPET_FILE,
    SNIPPET_FILE_NAME,
    Snippet,
    insert_text,
    library,
    snippet_file,
    snippets_for,
)
from numpyro_lsp.snippets.syntax import parse

SNIPPET_FILE = ROOT / "snippets" / SNIPPET_FILE_NAME
EXTENSION = ROOT / "vscode-extension"


def unique_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _ in pairs]
    duplicated = {key for key in keys if keys.count(key) > 1}
    assert not duplicated, f"duplicated keys: {duplicated}"
    return dict(pairs)


def test_file_is_strict_json_in_vscode_shape():
    entries = json.loads(SNIPPET_FILE.read_text(encoding="utf-8"), object_pairs_hook=unique_keys)
    for name, entry in entries.items():
        assert entry.keys() == {"scope", "prefix", "description", "body"}, name
        assert entry["scope"] == "python"
        assert all(isinstance(line, str) for line in entry["body"]), name


def test_prefixes_descriptions_and_bodies():
    snippets = library()
    assert len(snippets) >= 25
    prefixes = [s.prefix for s in snippets]
    assert len(set(prefixes)) == len(prefixes)
    for snippet in snippets:
        # One scheme: ``np_`` and a short name, a Python identifier (one word to every editor).
        assert re.fullmatch(r"np_[a-z0-9]+(_[a-z0-9]+)*", snippet.prefix), snippet.prefix
        assert len(snippet.prefix) <= 24, snippet.prefix
        assert snippet.description.endswith("."), snippet.name
        parse(snippet.body)
        # The cursor ends after the snippet, on a line of its own.
        assert snippet.body.endswith("\n$0"), snippet.name


def test_development_checkout_reads_the_repository_file():
    assert REPOSITORY_SNIPPET_FILE == SNIPPET_FILE
    assert snippet_file() == SNIPPET_FILE


def test_snippets_for_the_word_typed():
    assert {s.prefix for s in snippets_for("")} == {s.prefix for s in library()}
    assert {s.prefix for s in snippets_for("NP_8")} == {
        "np_8schools",
        "np_8schools_locscale",
        "np_8schools_transform",
    }
    assert snippets_for("model") == []


def test_insert_text_as_snippet_or_as_indented_plain_text():
    snippet = Snippet("t", "np_t", "d.", "import x\n\n\ndef ${1:f}():\n    $1()\n$0")
    assert insert_text(snippet, as_snippet=True, indent="    ", variables={}) == snippet.body
    plain = insert_text(snippet, as_snippet=False, indent="    ", variables={})
    assert plain == "import x\n\n\n    def f():\n        f()\n"


def test_docs_are_generated_from_the_file():
    generated = snippets_markdown(library())
    assert (ROOT / "docs" / "snippets.md").read_text(encoding="utf-8") == generated, (
        "regenerate: python -m numpyro_lsp.snippets.docs > docs/snippets.md"
    )


def test_installed_server_reads_the_same_file_from_its_wheel(tmp_path):
    """Build the sdist and, from it, the wheel as a user's pip would; install it alone (no
    checkout on the path) and read the snippets from it."""
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", tmp_path, ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packaged = archive.read(f"numpyro_lsp/snippets/{SNIPPET_FILE_NAME}")
        archive.extractall(tmp_path / "site")
    assert packaged == SNIPPET_FILE.read_bytes()
    # -S: no site-packages, so neither the editable install nor the checkout is importable.
    reader = (
        "from numpyro_lsp.snippets.library import library, snippet_file;"
        "print(snippet_file()); print(len(library()))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", reader],
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        capture_output=True,
        text=True,
        check=True,
    )
    path, count = result.stdout.split()
    assert path == str(tmp_path / "site" / "numpyro_lsp" / "snippets" / SNIPPET_FILE_NAME)
    assert int(count) == len(library())


@pytest.mark.skipif(not (EXTENSION / "package.json").is_file(), reason="no VS Code extension")
def test_vscode_extension_contributes_the_same_file():
    contributed = json.loads((EXTENSION / "package.json").read_text())["contributes"]["snippets"]
    assert contributed == [{"language": "python", "path": f"./snippets/{SNIPPET_FILE_NAME}"}]
    # Its copy is made by its build from the repository's file, and never committed.
    assert f"../snippets/{SNIPPET_FILE_NAME}" in (EXTENSION / "build.mjs").read_text()
    tracked = subprocess.run(
        ["git", "ls-files", "vscode-extension/snippets"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert tracked.stdout == ""
