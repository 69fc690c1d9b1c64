"""Incremental parsing (analysis/layout.py): after any sequence of edits, the spliced tree is
the tree ``ast.parse`` gives for the whole text, line numbers and columns included, whenever
the text parses; while it does not, every statement read is what Python reads from its own
lines; and an edit inside one statement re-parses that statement only."""

from __future__ import annotations

import ast
import gc
import weakref
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, ROOT
from numpyro_lsp.analysis import layout
from numpyro_lsp.analysis.document import DocumentIndex
from numpyro_lsp.analysis.layout import statement_start, tile
from numpyro_lsp.analysis.models import index_statements, node_maps
from numpyro_lsp.analysis.notebook import notebook_program
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules import RULES
from numpyro_lsp.rules.engine import RuleSettings, check_source, run_rules

CATALOG = read_catalog(shipped_catalog_path())
EVERY_RULE = RuleSettings(select=frozenset({"NPR"}))

SOURCES = [
    (EXAMPLES / "eight_schools.py").read_text(),
    *(p.read_text() for p in sorted((ROOT / "tests" / "corpus" / "correct").glob("*.py"))[:4]),
]
# Text that moves statement boundaries: brackets and quotes left open, decorators, dedents,
# continuation lines, statements glued with ``;``, line endings of every kind.
FRAGMENTS = [
    "\n",
    "\r\n",
    "\r",
    "(",
    ")",
    '"""',
    "'",
    "\\\n",
    "@numpyro.handlers.reparam(config={})\n",
    "def f():\n",
    "    x = 1\n",
    "x = 1; y = 2\n",
    "else:\n",
    "# a comment\n",
    "    ",
    "\t",
    "dist.Normal(0, 1",
    "🎲",
    "[\n1,\n]\n",
]


def full_dump(source: str) -> str | None:
    try:
        return ast.dump(ast.parse(source), include_attributes=True)
    except (SyntaxError, ValueError):
        return None


def spliced_dump(tree: ast.Module | None) -> str | None:
    return None if tree is None else ast.dump(tree, include_attributes=True)


def assert_read_faithfully(document) -> None:
    """Text that does not parse: the regions said broken lie in the document, and each
    statement read outside them is the statement Python reads from its own lines."""
    lines = document.lines
    broken = document.broken
    assert broken, "a text that does not parse has a broken region"
    for region in broken:
        assert 0 <= region.start <= region.line < max(region.end, region.start + 1)
        assert region.end <= len(lines)
    for statement in document.tree.body:
        first, last = statement_start(statement), statement.end_lineno
        assert 0 <= first < last <= len(lines)
        while last < len(lines) and lines[last - 1].endswith("\\"):
            last += 1  # a backslash joins the next line to the statement's (``import n\``)
        if any(r.start <= first < r.end for r in broken):
            continue  # recovered with lines masked
        text = "\n" * first + "\n".join(lines[first:last]) + "\n"
        # A statement ends where the next begins (``a = 1; b = 2`` share lines).
        own = [
            s
            for s in ast.parse(text).body
            if (s.lineno, s.col_offset) == (statement.lineno, statement.col_offset)
        ]
        assert [ast.dump(s, include_attributes=True) for s in own] == [
            ast.dump(statement, include_attributes=True)
        ]


edits = st.lists(
    st.tuples(
        st.floats(0, 1),  # where, as a share of the text
        st.integers(0, 12),  # how many characters to delete
        st.sampled_from(FRAGMENTS) | st.text(alphabet="abc_=:() \n", max_size=8),
    ),
    min_size=1,
    max_size=8,
)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(SOURCES), edits=edits)
# Once failed (the helper above read ``import n\`` without the line its backslash joins).
@example(source=SOURCES[1], edits=[(0.0, 0, "\n"), (0.0, 11, ""), (0.0234375, 10, "\\\n")])
def test_spliced_tree_equals_the_full_parse(source, edits):
    documents = DocumentIndex()
    assert spliced_dump(documents.get("file:///m.py", 0, source).tree) == full_dump(source)
    for version, (where, deleted, inserted) in enumerate(edits, start=1):
        at = int(where * len(source))
        source = source[:at] + inserted + source[at + deleted :]
        document = documents.get("file:///m.py", version, source)
        whole = full_dump(source)
        if whole is not None:
            assert spliced_dump(document.tree) == whole, repr(source)
        else:
            assert_read_faithfully(document)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(SOURCES), edits=edits, piece=st.integers(1, 12))
def test_a_file_read_in_pieces_is_the_full_parse(source, edits, piece):
    """A file opened is parsed a piece at a time (layout.parse_in_pieces): pieces of a few
    lines, cut inside brackets, strings and blocks by the edits, give the tree of the whole."""
    for where, deleted, inserted in edits:
        at = int(where * len(source))
        source = source[:at] + inserted + source[at + deleted :]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layout, "PIECE_LINES", piece)
        document = DocumentIndex().get("file:///m.py", 0, source)
        assert document.layout is not None  # read with the small pieces
    whole = full_dump(source)
    if whole is not None:
        assert spliced_dump(document.tree) == whole, repr(source)
    else:
        assert_read_faithfully(document)


def cells_of(source: str, cuts: list[float]) -> list[str]:
    """``source`` cut into cells at the given shares of its lines."""
    lines = source.split("\n")
    at = sorted({0, *(int(cut * len(lines)) for cut in cuts), len(lines)})
    return ["\n".join(lines[a:b]) for a, b in zip(at, at[1:], strict=False) if b > a]


def cell_dumps(statements: list[ast.stmt], start: int, end: int) -> list[str]:
    return [ast.dump(s, include_attributes=True) for s in statements if start <= s.lineno - 1 < end]


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from(SOURCES),
    cuts=st.lists(st.floats(0, 1), max_size=6),
    edits=st.lists(st.tuples(st.floats(0, 1), edits), min_size=1, max_size=4),
)
def test_a_notebooks_cells_are_read_each_on_its_own(source, cuts, edits):
    """A notebook's program (analysis/notebook.py), edited cell by cell: each cell that
    parses on its own reads as it does alone, whatever text the cells around it leave open
    (IPython parses a cell at a time), and the layout kept across the edits is the layout
    of the last version read afresh."""
    cells = cells_of(source, cuts)
    documents = DocumentIndex()
    for version, (which, cell_edits) in enumerate(edits):
        index = int(which * (len(cells) - 1))
        text = cells[index]
        for where, deleted, inserted in cell_edits:
            at = int(where * len(text))
            text = text[:at] + inserted + text[at + deleted :]
        cells[index] = text
        program = notebook_program([(str(number), cell) for number, cell in enumerate(cells)])
        document = documents.get("file:///nb.ipynb", version, program.source, program.cell_starts)
        assert document.tree is not None
    fresh = DocumentIndex().get("file:///nb.ipynb", 0, program.source, program.cell_starts)
    assert spliced_dump(document.tree) == spliced_dump(fresh.tree)
    for cell in program.cells:
        alone = "\n" * cell.start + "\n".join(document.lines[cell.start : cell.end])
        if full_dump(alone) is not None:
            expected = [ast.dump(s, include_attributes=True) for s in ast.parse(alone).body]
            assert cell_dumps(document.tree.body, cell.start, cell.end) == expected


@pytest.fixture
def edited_chunk_size(monkeypatch):
    """Files opened in chunks as small as an edit makes: for tests of what an edit keeps,
    on files shorter than one chunk of an opened file."""
    monkeypatch.setattr(layout, "OPENED_CHUNK_LINES", layout.CHUNK_LINES)


@pytest.mark.parametrize("broken", [False, True], ids=["parses", "half-typed"])
def test_an_opened_file_is_read_in_larger_chunks_and_an_edit_retiles_what_it_touched(broken):
    source = "\n".join(SOURCES * 4)
    if broken:  # a function half typed near the top: the rest is read around it
        source = source.replace("\ndef ", "\ndef probe(:\n    a = D.\n\ndef ", 1)
    documents = DocumentIndex()
    opened = documents.get("file:///m.py", 1, source)
    chunks = opened.layout.chunks
    assert bool(opened.layout.broken) == broken
    assert len(chunks) > 3
    assert all(c.end - c.start >= layout.OPENED_CHUNK_LINES for c in chunks[:-1])
    findings_of(opened)
    middle = chunks[len(chunks) // 2]
    line = next(n for n in range(middle.start, middle.end) if opened.lines[n].startswith("    "))
    lines = source.split("\n")
    lines[line] += " "
    edited = documents.get("file:///m.py", 2, "\n".join(lines))
    after = edited.layout.chunks
    kept = [c for c in chunks if c in after]
    assert len(kept) >= len(chunks) - 3  # the chunk edited and its neighbours at most
    retiled = [c for c in after if c not in chunks]
    assert len(retiled) > 1  # in chunks of CHUNK_LINES
    assert all(c.end - c.start < layout.OPENED_CHUNK_LINES for c in retiled[:-1])
    assert findings_of(edited) == check_source("\n".join(lines), CATALOG, EVERY_RULE)


@pytest.mark.usefixtures("edited_chunk_size")
def test_an_edit_inside_a_function_reparses_that_function_only():
    source = SOURCES[0]
    documents = DocumentIndex()
    before = documents.get("file:///m.py", 1, source).layout
    edited = source.replace("mu = numpyro.sample", "mu  = numpyro.sample")
    after = documents.get("file:///m.py", 2, edited).layout
    assert len(after.chunks) == len(before.chunks)
    pairs = enumerate(zip(before.chunks, after.chunks, strict=True))
    (index,) = [i for i, (a, b) in pairs if a is not b]
    assert any(isinstance(s, ast.FunctionDef) for s in after.chunks[index].statements)
    # A line added at the end keeps every earlier chunk but the last (a line appended to a
    # function's body belongs to it).
    appended = documents.get("file:///m.py", 3, edited + "edit = 1\n").layout
    kept = [a is b for a, b in zip(after.chunks, appended.chunks, strict=False)]
    assert kept[:-1] == [True] * (len(after.chunks) - 1)


def test_chunks_tile_the_lines_with_whole_statements():
    source = "# header\n\n@dec\ndef f():\n    pass\n\na = (1,\n  2); b = 3\nc = 4  # end\n\n"
    lines = source.split("\n")
    statements = ast.parse(source).body
    spans = [(c.start, c.end, len(c.statements)) for c in tile(statements, 0, len(lines), 1)]
    assert spans == [(0, 6, 1), (6, 8, 2), (8, 11, 1)]
    # Short statements share a chunk until it has ``min_lines`` lines.
    spans = [(c.start, c.end, len(c.statements)) for c in tile(statements, 0, len(lines), 7)]
    assert spans == [(0, 8, 3), (8, 11, 1)]
    assert tile([], 0, 3)[0].statements == []


def test_chunk_indexes_together_are_the_index_of_the_whole_module():
    tree = ast.parse(SOURCES[0])
    whole = index_statements(tree.body)
    parts = [index_statements(chunk.statements) for chunk in tile(tree.body, 0, 10**6)]
    for kind, nodes in whole.by_type.items():
        assert [n for p in parts for n in p.by_type.get(kind, [])] == nodes
    assert {k: v for p in parts for k, v in p.owners.items()} == whole.owners
    assert [f for p in parts for f in p.functions] == whole.functions


# Rule examples one after another, with the statements that make functions models and the
# imports that name things: edits here move findings across chunks.
# A function whose key reuse depends on what a module-level name holds: the last
# assignment to it, which edits further down the file change.
SIMULATE = """
predictive = Predictive(model, samples)


def simulate():
    key = random.PRNGKey(1)
    return predictive(key, y=None), predictive(key, y=None)
"""
RULE_TEXT = "\n".join([SOURCES[0], SIMULATE, *(rule.example("Example") for rule in RULES.values())])
RULE_FRAGMENTS = [
    "predictive = None\n",
    "predictive = Predictive(model, samples)\n",
    "mcmc = MCMC(NUTS(model))\n",
    "svi = SVI(model, guide, optim, Trace_ELBO())\n",
    "import numpy as np\n",
    "import jax.numpy as np\n",
    "from numpyro.infer import DiscreteHMCGibbs\n",
    "def model(x=None):\n    numpyro.param('p', 1.0)\n",
    "model = reparam(model, config={'theta': LocScaleReparam(0)})\n",
    "key = random.PRNGKey(0)\n",
    "    if theta > 0:\n        pass\n",
    "predictive = Predictive(model, samples)\npredictive(key, y=y)\n",
    "\n",
    "x",
]


def findings_of(document) -> list:
    analysis = document.analysis(CATALOG)
    return None if analysis is None else run_rules(analysis, document.lines, EVERY_RULE)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 3), st.sampled_from(RULE_FRAGMENTS)),
        min_size=1,
        max_size=6,
    )
)
def test_kept_chunk_findings_equal_a_fresh_check(edits):
    """The findings of chunk checks, kept per chunk across versions, are those of the rules
    run over the whole file at once (the CLI's way), after edits that change which functions
    are models, what they are handed to, and the imports."""
    documents, source = DocumentIndex(), RULE_TEXT
    findings_of(documents.get("file:///m.py", 0, source))
    for version, (where, deleted, inserted) in enumerate(edits, start=1):
        # Whole lines in and out: the text mostly still parses, so there is a check to run.
        lines = source.split("\n")
        at = int(where * len(lines))
        source = "\n".join([*lines[:at], inserted.rstrip("\n"), *lines[at + deleted :]])
        document = documents.get("file:///m.py", version, source)
        found = findings_of(document)  # the kept chunks' findings are computed either way
        analysis = document.analysis(CATALOG)
        if analysis is not None:  # joined from the last version's maps: the parts' own
            fresh = node_maps(analysis.parts)
            assert analysis.owner_nodes == fresh.owner_nodes
            assert analysis.calls_by_statement == fresh.calls_by_statement
            assert analysis.infos == fresh.infos
            assert analysis.local_bindings == fresh.local_bindings
        if full_dump(source) is not None:
            assert found == check_source(source, CATALOG, EVERY_RULE)


# ``simulate`` and ``fit`` read module-level names assigned far above them, in other chunks.
FAR_APART = "\n".join(
    [
        "from jax import random",
        "import numpyro.distributions as dist",
        "from numpyro.infer import SVI",
        "prior = None",
        "svi = None",
        *[f"filler_{i} = {i}" for i in range(40)],
        "",
        "def simulate():",
        "    key = random.PRNGKey(1)",
        "    return prior.sample(key), prior.sample(key)",
        "",
        "",
        *[f"filler_{i} = {i}" for i in range(40, 80)],
        "",
        "def fit(data):",
        "    a, b = svi.run(random.PRNGKey(0), 100, data)",
        "    return a",
    ]
)


@pytest.mark.usefixtures("edited_chunk_size")
def test_a_kept_chunk_is_checked_again_when_a_name_it_reads_gets_another_instance():
    """A chunk's reports depend on what the module-level names it reads hold, and only on
    those: a distribution assigned to ``prior`` far above ``simulate`` brings the key reuse
    there and leaves ``fit``'s chunk as it was; an SVI assigned to ``svi`` brings NPR021 to
    ``fit`` and leaves ``simulate``'s chunk as it was."""
    documents = DocumentIndex()
    first = documents.get("file:///m.py", 0, FAR_APART)
    assert findings_of(first) == []
    texts = [
        FAR_APART.replace("prior = None", "prior = dist.Normal(0, 1)"),
        FAR_APART.replace("prior = None", "prior = dist.Normal(0, 1)").replace(
            "svi = None", "svi = SVI(m, g, o, l)"
        ),
    ]
    expected_codes = [{"NPR015"}, {"NPR015", "NPR021"}]

    def reports_by_function(document) -> dict[str, tuple]:
        """Each function's part's kept reports (the same object while they are kept)."""
        parts = document.analysis(CATALOG).parts
        return {f.name: p.chunk_reports for p in parts for f in p.functions}

    before = reports_by_function(first)
    rewritten = ["simulate", "fit"]
    for version, (text, codes) in enumerate(zip(texts, expected_codes, strict=True), start=1):
        document = documents.get("file:///m.py", version, text)
        found = findings_of(document)
        assert found == check_source(text, CATALOG, EVERY_RULE)
        assert {f.code for f in found} == codes
        after = reports_by_function(document)
        reading, other = rewritten[version - 1], rewritten[2 - version]
        assert after[other] is before[other]
        assert after[reading] is not before[reading]
        before = after


def test_an_older_version_parsed_late_leaves_the_newest_tree_alone():
    """A request for a version the editor has since replaced (a code action computed in a
    worker thread) parses on its own: the newest version's nodes stay where they are."""
    documents = DocumentIndex()
    old_source = SOURCES[0]
    new_source = "\n\n" + old_source  # every chunk moves down two lines
    older = documents.get("file:///m.py", 1, old_source)
    newer = documents.get("file:///m.py", 2, new_source)
    assert spliced_dump(newer.tree) == full_dump(new_source)
    assert spliced_dump(older.tree) == full_dump(old_source)  # computed after the newer one
    assert spliced_dump(newer.tree) == full_dump(new_source)


def test_versions_checked_in_threads_at_once_leave_the_newest_right():
    """Checks of successive versions run in worker threads and overlap (a slow check is
    not stopped when the next edit arrives): the newest version's findings are still those
    of a whole-file check."""
    documents = DocumentIndex()
    lines = RULE_TEXT.split("\n")
    versions = []
    for version in range(1, 13):
        at = (version * 37) % len(lines)
        lines = [*lines[:at], *[""] * (version % 3 + 1), *lines[at:]]  # every chunk below moves
        versions.append(documents.get("file:///m.py", version, "\n".join(lines)))
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(findings_of, reversed(versions)))  # older versions last, at worst
    newest = versions[-1]
    assert findings_of(newest) == check_source(newest.source, CATALOG, EVERY_RULE)


def test_an_older_version_read_after_a_newer_one_moved_its_nodes_reads_its_own_text():
    """The rule for nodes moved in place (analysis/document.py): a request for a version
    that arrived before an edit answers about that version's text, even when the edit's
    version has moved the nodes the two shared."""
    documents = DocumentIndex()
    old_source = SOURCES[0]
    older = documents.get("file:///m.py", 1, old_source)
    old_findings = findings_of(older)  # computed first: its nodes are the shared ones
    newer = documents.get("file:///m.py", 2, "\n\n\n" + old_source)
    assert spliced_dump(newer.tree) == full_dump(newer.source)  # moves the shared nodes
    assert spliced_dump(older.tree) == full_dump(old_source)
    assert findings_of(older) == old_findings == check_source(old_source, CATALOG, EVERY_RULE)
    # The newer version is untouched by the older one's second reading.
    assert spliced_dump(newer.tree) == full_dump(newer.source)
    assert findings_of(newer) == check_source(newer.source, CATALOG, EVERY_RULE)


def test_a_superseded_analysis_is_freed_without_the_collector():
    """Each version's analysis holds its file's merged indexes: nothing in it may refer back
    to it in a cycle, or the versions of a file being typed in would pile up until the
    collector's next full collection (which waits while checks run: features/collector.py)."""
    source = (EXAMPLES / "eight_schools.py").read_text()
    documents = DocumentIndex()
    gc.disable()
    try:
        first = documents.get("file:///m.py", 0, source)
        analysis = first.analysis(CATALOG)
        run_rules(analysis, first.lines, EVERY_RULE)
        freed = weakref.ref(analysis)
        del analysis, first
        second = documents.get("file:///m.py", 1, source + "\nx = 1\n")
        run_rules(second.analysis(CATALOG), second.lines, EVERY_RULE)
        assert freed() is None
    finally:
        gc.enable()


def test_a_kept_report_names_the_lines_its_nodes_moved_to():
    """NPR015 names the line of the first draw: lines added far above, in another chunk,
    move the kept report's nodes, and the message names the line they are on now."""
    source = "\n".join(
        [
            "from jax import random",
            "import numpyro.distributions as dist",
            "",
            "def first():",
            "    return 1",
            "",
            *[f"filler_{i} = {i}" for i in range(layout.OPENED_CHUNK_LINES + 20)],
            "",
            "def draws():",
            "    key = random.PRNGKey(0)",
            "    return dist.Normal().sample(key), dist.Normal().sample(key)",
            "",
        ]
    )
    documents = DocumentIndex()
    opened = documents.get("file:///m.py", 1, source)
    (before,) = findings_of(opened)
    edited_source = source.replace("    return 1", "    x = 0\n    y = 1\n    return 1")
    edited = documents.get("file:///m.py", 2, edited_source)
    kept, moved = opened.layout.chunks[-1], edited.layout.chunks[-1]
    assert moved.statements is kept.statements and moved.start == kept.start + 2
    (after,) = findings_of(edited)
    assert after.span.line == before.span.line + 2
    assert f"on line {after.span.line}:" in after.message
    assert findings_of(edited) == check_source(edited_source, CATALOG, EVERY_RULE)
