"""The plain logic under navigation: the workspace index across files, the cursor's site,
occurrences for references and rename, the outline, hover text and inlay hints."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from numpyro_lsp.analysis.document import ParsedDocument
from numpyro_lsp.analysis.outline import matches, model_outline, workspace_symbols
from numpyro_lsp.analysis.site_info import inlay_hints, site_detail, site_markdown
from numpyro_lsp.analysis.site_navigation import (
    occurrences,
    rename_problem,
    site_target,
    string_content,
)
from numpyro_lsp.analysis.sites import SiteIndex
from numpyro_lsp.analysis.workspace import WorkspaceIndex
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.settings import read

CATALOG = read_catalog(shipped_catalog_path())
MODEL = """\
import numpyro
import numpyro.distributions as dist

J = 8


def eight_schools(sigma, y=None):
    mu = numpyro.sample("mu", dist.Normal(0, 5))
    tau = numpyro.sample("tau", dist.HalfCauchy(5))
    with numpyro.plate("J", J):
        theta = numpyro.sample("theta", dist.Normal(mu, tau))
        numpyro.sample("obs", dist.Normal(theta, sigma), obs=y)
"""
RUN = """\
from numpyro import handlers
from numpyro.infer import MCMC, NUTS

from model import eight_schools

mcmc = MCMC(NUTS(eight_schools), num_warmup=10, num_samples=10)
samples = mcmc.get_samples()
print(samples["theta"], samples["tau"])
conditioned = handlers.condition(eight_schools, data={"mu": 0.0})
"""


def make_index(root: Path, opened: dict[Path, ParsedDocument] | None = None) -> WorkspaceIndex:
    return WorkspaceIndex(lambda: CATALOG, lambda: [root], lambda: opened or {})


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "run.py").write_text(RUN)
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "numpyro_site.py").write_text("import numpyro\n")
    (tmp_path / "notes.py").write_text("print('no models here')\n")
    return tmp_path


def position(document: ParsedDocument, marker: str, offset: int = 0) -> tuple[int, int]:
    """1-based line and UTF-8 byte column of ``marker`` plus ``offset`` characters."""
    index = document.source.index(marker) + offset
    before = document.source[:index]
    line_start = before.rfind("\n") + 1
    return before.count("\n") + 1, len(before[line_start:].encode("utf-8"))


def test_imports_link_the_models_of_other_files(workspace):
    index = make_index(workspace)
    run = index.document(workspace / "run.py")
    analysis = index.linked_analysis(run, workspace / "run.py")
    imported = analysis.imported_models["eight_schools"]
    assert imported.uri == (workspace / "model.py").as_uri()
    sites = SiteIndex(analysis)
    assert [(r.name, r.explicit) for r in sites.references] == [
        ("theta", True),
        ("tau", True),
        ("mu", True),
    ]
    assert [d.site.name for d in sites.definitions(sites.references[0])] == ["theta"]


@pytest.mark.parametrize(
    ("files", "importer", "statement", "name"),
    [
        (
            {"pkg/__init__.py": "", "pkg/model.py": MODEL},
            "pkg/run.py",
            "from .model import *",
            None,
        ),
        (
            {"pkg/__init__.py": "", "pkg/model.py": MODEL},
            "pkg/run.py",
            "from .model import eight_schools as m",
            "m",
        ),
        (
            {"pkg/__init__.py": "", "pkg/model.py": MODEL},
            "run.py",
            "from pkg import model",
            "model.eight_schools",
        ),
        (
            {"pkg/__init__.py": "", "pkg/model.py": MODEL},
            "run.py",
            "import pkg.model as pm",
            "pm.eight_schools",
        ),
        (
            {"src/lib/model.py": MODEL},
            "run.py",
            "from lib.model import eight_schools",
            "eight_schools",
        ),
        ({"scripts/model.py": MODEL}, "scripts/run.py", "import model", "model.eight_schools"),
    ],
)
def test_import_forms(tmp_path, files, importer, statement, name):
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    path = tmp_path / importer
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(statement + "\n")
    index = make_index(tmp_path)
    analysis = index.linked_analysis(index.document(path), path)
    assert list(analysis.imported_models) == ([name] if name else [])


def test_files_are_read_once_per_change_and_open_documents_win(workspace):
    index = make_index(workspace)
    first = index.document(workspace / "model.py")
    assert index.document(workspace / "model.py") is first
    (workspace / "model.py").write_text(MODEL.replace('"tau"', '"tau2"'))
    os.utime(workspace / "model.py", ns=(1, 1))
    assert '"tau2"' in index.document(workspace / "model.py").source
    opened = ParsedDocument("file:///open/model.py", 3, MODEL)
    index = make_index(workspace, {workspace / "model.py": opened})
    assert index.document(workspace / "model.py") is opened


def test_the_workspace_listing_skips_environments_and_files_without_numpyro(workspace):
    index = make_index(workspace)
    assert [p.name for p in index.python_files()] == ["model.py", "notes.py", "run.py"]
    assert [d.uri.rsplit("/", 1)[-1] for d, _ in index.documents()] == ["model.py", "run.py"]


def test_references_and_rename_targets_across_files(workspace):
    index = make_index(workspace)
    model = index.document(workspace / "model.py")
    target = site_target(SiteIndex(model.analysis(CATALOG)), *position(model, '"theta"', 2))
    assert [d.site.name for d in target.definitions] == ["theta"]
    found = occurrences(target.definitions, model.uri, index.documents())
    assert [(o.uri.rsplit("/", 1)[-1], o.node.lineno) for o in found] == [
        ("model.py", 11),
        ("run.py", 8),
    ]
    without = occurrences(target.definitions, model.uri, index.documents(), False)
    assert [o.uri.rsplit("/", 1)[-1] for o in without] == ["run.py"]


def test_the_cursor_on_a_variable_bound_to_a_site():
    document = ParsedDocument("file:///m.py", 1, MODEL)
    index = SiteIndex(document.analysis(CATALOG))
    line, column = position(document, "Normal(theta", 8)
    assert site_target(index, line, column) is None
    target = site_target(index, line, column, variables=True)
    assert [d.site.name for d in target.definitions] == ["theta"]


def test_rename_edits_only_the_text_between_quotes():
    source = 'x = 1\ns = "🎓" + r\'theta\'\nt = "a\\tb"\nu = ("a"\n     "b")\n'
    document = ParsedDocument("file:///s.py", 1, source)
    statements = document.tree.body
    theta = statements[1].value.right
    content = string_content(theta, document.lines)
    start = len('s = "🎓" + r\''.encode())
    assert (content.lineno, content.col_offset, content.end_col_offset) == (2, start, start + 5)
    assert string_content(statements[2].value, document.lines) is None  # an escape
    assert string_content(statements[3].value, document.lines) is None  # implicit concatenation


def test_rename_refuses_taken_and_unwritable_names():
    document = ParsedDocument("file:///m.py", 1, MODEL)
    index = SiteIndex(document.analysis(CATALOG))
    target = site_target(index, *position(document, '"theta"', 1))
    assert rename_problem("theta_raw", target.definitions, index) is None
    assert "already names a site" in rename_problem("mu", target.definitions, index)
    assert "quotes" in rename_problem('a"b', target.definitions, index)
    assert "non-empty" in rename_problem("", target.definitions, index)


def test_outline_nests_plates_and_sites():
    document = ParsedDocument("file:///m.py", 1, MODEL + "\nNUTS = None\n")
    (model,) = model_outline(document.analysis(CATALOG), document.lines)

    def tree(entry):
        return (entry.name, entry.detail, [tree(c) for c in entry.children])

    assert tree(model) == (
        "eight_schools",
        "model",
        [
            ("mu ~ Normal", "real", []),
            ("tau ~ HalfCauchy", "positive", []),
            (
                "plate J",
                "size J = 8",
                [("theta ~ Normal", "real", []), ("obs ~ Normal (observed)", "real", [])],
            ),
        ],
    )
    assert (model.selection.lineno, model.selection.col_offset) == (7, 4)


def test_workspace_symbols_match_models_and_sites(workspace):
    index = make_index(workspace)
    found = [(s.entry.name, s.container) for s in workspace_symbols(index.documents(), "theta")]
    assert found == [("theta ~ Normal", "eight_schools")]
    assert matches("esch", "eight_schools") and not matches("x", "eight_schools")


def test_hover_text_and_completion_detail():
    document = ParsedDocument("file:///m.py", 1, MODEL)
    index = SiteIndex(document.analysis(CATALOG))
    target = site_target(index, *position(document, '"theta"', 1))
    (definition,) = target.definitions
    text = site_markdown(definition, posterior="mean 4.2")
    assert text.splitlines()[0] == "**theta**: latent sample site of `eight_schools`"
    for fact in ("`dist.Normal(mu, tau)`", "**support** `real`", "**plate** `J`, size `J = 8`"):
        assert fact in text
    assert text.endswith("mean 4.2")
    assert site_detail(definition) == "latent Normal · plate J (J = 8)"


def test_inlay_hints_show_plate_sizes_and_supports():
    document = ParsedDocument("file:///m.py", 1, MODEL)
    hints = inlay_hints(document.analysis(CATALOG), 1, 100)
    assert [(h.node.end_lineno, h.label) for h in hints] == [
        (8, "∈ real"),
        (9, "∈ positive"),
        (10, "size: J = 8"),
        (11, "∈ real"),
    ]
    assert inlay_hints(document.analysis(CATALOG), 10, 10)[0].label == "size: J = 8"


@pytest.mark.parametrize(
    ("settings", "enabled", "problems"),
    [
        ({}, False, []),
        ({"inlayHints": {"enabled": True}}, True, []),
        (
            {"inlayHints": {"enabled": "yes"}},
            False,
            [
                "numpyro.inlayHints.enabled: expected true or false, got 'yes' "
                "(using the default False)"
            ],
        ),
        (
            {"inlayHints": True},
            False,
            ["numpyro.inlayHints: expected an object (using the defaults)"],
        ),
    ],
)
def test_inlay_hints_setting(settings, enabled, problems):
    read_settings, found = read(settings)
    assert (read_settings.inlay_hints.enabled, found) == (enabled, problems)


def test_only_a_text_that_names_a_module_may_import_it():
    model = Path("/project/model.py")
    for source in (
        "from model import eight_schools",
        "import model as m",
        "from .model import eight_schools",
        "from . import model",
        "import pkg.model",
        "import Model",  # a file system that ignores case finds model.py
    ):
        assert WorkspaceIndex.may_import(source, model), source
    for source in ("import numpyro\nx = 1", "from models import m"):
        assert not WorkspaceIndex.may_import(source, Path("/project/eight.py")), source
    # A package's own module is imported by its folder's name, or with none: ``from . import m``.
    assert WorkspaceIndex.may_import("from . import m", Path("/project/pkg/__init__.py"))
