"""The checker on NumPyro code that other people wrote (tests/realcode/manifest.toml,
fetched from PyPI at test time): it gives exactly the reviewed true findings of
tests/realcode/expected.txt at warning or above, so new noise fails the suite."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from realcode_corpus import distributions, fetch_corpus

from numpyro_lsp.rules import RULES
from numpyro_lsp.rules.base import Severity

EXPECTED = Path(__file__).parent / "realcode" / "expected.txt"


def expected_findings() -> set[tuple[str, int, str]]:
    found = set()
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            place, code = line.split()[:2]
            path, number = place.rsplit(":", 1)
            found.add((path, int(number), code))
    return found


@pytest.fixture(scope="module")
def corpus() -> Path:
    return fetch_corpus()


def test_the_corpus_is_real_code_from_many_projects(corpus):
    dists = distributions()
    files = [corpus / d.folder / f for d in dists for f in d.files]
    assert len({d.name for d in dists}) >= 8
    assert len(files) >= 150
    assert all(path.is_file() for path in files)


def test_findings_are_the_reviewed_true_ones(corpus):
    folders = [d.folder for d in distributions()]
    result = subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", "check", "--format", "json", *folders],
        cwd=corpus,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    found = {
        (f["path"], f["line"], f["code"])
        for f in json.loads(result.stdout)
        if f["severity"] in ("warning", "error")
    }
    expected = expected_findings()
    assert found - expected == set(), "new findings: review each, then fix or list it"
    assert expected - found == set(), "listed findings that are gone: update the list"


def test_each_rule_page_states_its_precision_on_the_corpus():
    """docs/rules.md's numbers are those of the reviewed list: every finding on the corpus
    is in it (the test above), and all of them are true."""
    by_code = Counter(code for _, _, code in expected_findings())
    for code, rule in RULES.items():
        stated = rule.section("Precision")
        if rule.severity < Severity.WARNING:
            assert stated, code  # hints and informations: counted, not reviewed
            continue
        count = by_code.get(code, 0)
        if count == 0:
            assert "no finding" in stated, code
        else:
            plural = "s" if count > 1 else ""
            assert f"{count} finding{plural}, {count} true" in stated, code
