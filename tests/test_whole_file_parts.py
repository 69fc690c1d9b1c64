"""Whole-file checks that read facts kept with each part of the file (rules/*.py
``part_facts``) find what a walk of the whole file finds, on random files cut into parts at
every statement."""

from __future__ import annotations

import ast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numpyro_lsp.analysis.document import DocumentIndex
from numpyro_lsp.analysis.layout import CHUNK_LINES
from numpyro_lsp.analysis.models import (
    analyze_module,
    index_statements,
    module_bindings,
    walk_statements,
)
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules import (
    duplicate_site,
    plate_shape_mismatch,
    prng_key_reuse,
    sample_in_plain_call,
)
from numpyro_lsp.rules.engine import RuleSettings, check_source, run_rules

CATALOG = read_catalog(shipped_catalog_path())

HEADER = "from jax import random\nimport numpyro.distributions as dist\n"
# Module-level statements that draw from keys, give keys new values, loop, branch and leave.
STATEMENTS = [
    "key = random.PRNGKey(0)",
    "x = random.normal(key, (3,))",
    "y = random.normal(key)",
    "key, sub = random.split(key)",
    "sub = random.normal(sub)",
    "for i in range(3):\n    z = random.normal(key)",
    "for key in keys:\n    z = random.normal(key)",
    "for i in range(3):\n    key = random.PRNGKey(i)\n    z = random.normal(key)",
    "if flag:\n    w = random.normal(key)\nelse:\n    w = 0",
    "if flag:\n    key = random.PRNGKey(1)\n    raise SystemExit",
    "if flag:\n    v = random.normal(key)\n    raise SystemExit",
    "try:\n    v = random.normal(key)\nexcept ValueError:\n    key = 1",
    "with ctx:\n    u = random.normal(key)",
    "with ctx:\n    key = random.PRNGKey(2)",
    "def f(key):\n    return random.normal(key)",
    "class C:\n    key = random.PRNGKey(0)",
    "d = dist.Normal(0, 1)",
    "s = d.sample(key)",
    "s = dist.Normal(0, 1).sample(sub)",
    "assert random.normal(key) == random.normal(key)",
    "while cond:\n    key = random.PRNGKey(3)",
    "key: int = 0",
    "key += 1",
    "samples = [random.normal(key) for _ in range(3)]",
    "draw = lambda: random.normal(key)",
    "match m:\n    case 1:\n        x = random.normal(key)\n    case _:\n        key = 0",
    "print(x)",
]


def reports(found) -> list[tuple[int, int, str]]:
    return [(r.node.lineno, r.node.col_offset, r.message) for r in found]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=14))
def test_module_level_key_reuse_from_parts_equals_the_walk_of_the_whole_file(statements):
    tree = ast.parse(HEADER + "\n".join(statements))
    indexes = [index_statements([statement]) for statement in tree.body]
    bindings = module_bindings(indexes)
    parts = [
        walk_statements([statement], index, bindings, CATALOG)
        for statement, index in zip(tree.body, indexes, strict=True)
    ]
    analysis = analyze_module(tree, CATALOG, parts=parts)
    whole = prng_key_reuse._Scope(analysis, analysis.assignments, tree.body)
    whole.block(tree.body)
    assert reports(prng_key_reuse.check(analysis)) == reports(whole.reports)


CALLS_HEADER = (
    "import numpyro\nimport numpyro.distributions as dist\nfrom numpyro import handlers\n"
    "from numpyro.infer import MCMC, NUTS\n"
)
# Module-level code and functions that call helpers with sites, in branches, loops, handlers.
CALLING = [
    "def helper():\n    numpyro.sample('a', dist.Normal(0, 1))",
    "def model():\n    helper()\n    numpyro.sample('a', dist.Normal(0, 1))",
    "def model():\n    if flag:\n        return helper()\n    helper()",
    "def other():\n    model()\n    with handlers.seed(rng_seed=0):\n        helper()",
    "helper()",
    "model()",
    "if flag:\n    raise SystemExit",
    "if flag:\n    helper()\nelse:\n    model()",
    "with handlers.seed(rng_seed=0):\n    helper()",
    "for i in range(3):\n    helper()",
    "x = helper() if flag else model()",
    "try:\n    model()\nexcept ValueError:\n    pass",
    "if __name__ == '__main__':\n    model()",
    "mcmc = MCMC(NUTS(model), num_warmup=1, num_samples=1)",
    "f = lambda: helper()",
]


def analysis_in_parts(source: str, per_statement: bool):
    tree = ast.parse(source)
    groups = [[s] for s in tree.body] if per_statement else [tree.body]
    indexes = [index_statements(group) for group in groups]
    bindings = module_bindings(indexes)
    parts = [
        walk_statements(group, index, bindings, CATALOG)
        for group, index in zip(groups, indexes, strict=True)
    ]
    return analyze_module(tree, CATALOG, parts=parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(CALLING), min_size=1, max_size=12))
def test_calls_walked_part_by_part_equal_one_walk_of_the_whole_file(statements):
    """NPR022 and NPR006 read the calls each function and the module-level code make
    (analysis/call_graph.py), walked once per part and kept with it."""
    source = CALLS_HEADER + "\n".join(statements)
    whole, parts = analysis_in_parts(source, False), analysis_in_parts(source, True)
    for rule in (sample_in_plain_call, duplicate_site):
        assert reports(rule.check(parts)) == reports(rule.check(whole))
        assert reports(rule.check(parts)) == reports(rule.check(parts))  # kept, read again


SHAPES_HEADER = (
    "import jax.numpy as jnp\nimport numpyro\nimport numpyro.distributions as dist\n"
    "from numpyro import handlers\nfrom numpyro.infer import MCMC, NUTS\n"
)
# Models whose plated sites take the shapes of what the file passes them, in several calls.
PASSING = [
    "def model(x, y=None):\n    with numpyro.plate('n', 10):\n"
    "        numpyro.sample('y', dist.Normal(x, 1), obs=y)",
    "def model(x, y=None):\n    with numpyro.plate('n', 3):\n"
    "        numpyro.sample('y', dist.Normal(0, 1), obs=y)",
    "X = jnp.zeros((10, 1))",
    "X = jnp.zeros(10)",
    "Y = jnp.ones((10, 3))",
    "N, K = 10, 1",
    "Z = jnp.zeros((N, K))",
    "mcmc = MCMC(NUTS(model), num_warmup=1, num_samples=1)",
    "mcmc.run(key, X)",
    "mcmc.run(key, Z, Y)",
    "handlers.seed(model, 0)(X)",
    "handlers.trace(handlers.seed(model, 0)).get_trace(Z, y=Y)",
    "def model(x, y=None):\n    with numpyro.plate('n', N):\n"
    "        numpyro.sample('w', dist.Normal(0, 1).expand([K]))",
    "K = 3",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PASSING), min_size=1, max_size=12))
def test_values_passed_part_by_part_equal_one_index_of_the_whole_file(statements):
    """NPR018 follows a model's arguments to what the file passes it: the calls and
    assignments it reads are found part by part and kept with each part."""
    source = SHAPES_HEADER + "\n".join(statements)
    whole, parts = analysis_in_parts(source, False), analysis_in_parts(source, True)
    expected = reports(plate_shape_mismatch.check(whole))
    assert reports(plate_shape_mismatch.check(parts)) == expected
    assert reports(plate_shape_mismatch.check(parts)) == expected  # kept, read again


NPR018_ONLY = RuleSettings(select=frozenset({"NPR018"}))
# Enough comment lines after each statement for it to stay a chunk of its own.
PADDING = "\n".join(["# pad"] * (CHUNK_LINES + 1))


def edit_series(statements: list[str]):
    """Random edits of a file of these statements: at a statement's index, how many to
    remove (0 or 1), and the statement put there."""
    return st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 1), st.sampled_from(statements)),
        min_size=1,
        max_size=6,
    )


def edited_versions(header: str, statements: list[str], edits):
    """The file's versions, numbered: as written, then after each edit; each statement
    padded to stay a chunk of its own."""
    for version, (at, removed, inserted) in enumerate([(0, 0, None), *edits]):
        if inserted is not None:
            at = min(at, len(statements))
            statements = [*statements[:at], inserted, *statements[at + removed :]]
        yield version, header + "\n".join(f"{s}\n{PADDING}" for s in statements)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(PASSING), min_size=1, max_size=8),
    edit_series(PASSING),
)
def test_model_reports_kept_across_versions_equal_a_fresh_check(statements, edits):
    """NPR018 keeps each model's reports with its part while what they read of the rest of
    the file (module-level values, what the file passes the model) reads the same: after
    edits that replace, add and remove other statements, a document's findings are those of
    the file checked afresh."""
    documents = DocumentIndex()
    for version, source in edited_versions(SHAPES_HEADER, statements, edits):
        document = documents.get("file:///m.py", version, source)
        found = run_rules(document.analysis(CATALOG), document.lines, NPR018_ONLY)
        assert found == check_source(source, CATALOG, NPR018_ONLY)


USES_HEADER = (
    "import numpyro\nimport numpyro.distributions as dist\nfrom numpyro import handlers\n"
    "from numpyro.infer import HMC, MCMC, NUTS, SVI\n"
)
# Models handed to chains of consumers, through names assigned and defined in other
# statements, shadowed, wrapped, decorated and run eagerly.
HANDING = [
    "def model(x):\n    numpyro.sample('a', dist.Normal(x, 1))",
    "def guide(x):\n    numpyro.sample('a', dist.Normal(0, 1))",
    "model = guide",
    "kernel = NUTS(model)",
    "kernel = HMC(guide)",
    "kernel = NUTS(model)\nother = HMC(guide)",
    "mcmc = MCMC(kernel, num_warmup=1, num_samples=1)",
    "mcmc = MCMC(NUTS(guide), num_warmup=1, num_samples=1)",
    "svi = SVI(model, guide, optim, loss)",
    "wrap(NUTS(model))",
    "handlers.seed(model, 0)(1)",
    "conditioned = handlers.condition(model, data={'a': 1})",
    "MCMC(NUTS(conditioned))",
    "def run():\n    kernel = NUTS(model)\n    return MCMC(kernel)",
    "def run(model):\n    return MCMC(NUTS(model))",
    "sample = lambda: NUTS(model)",
    "@handlers.seed(rng_seed=0)\ndef seeded():\n    numpyro.sample('b', dist.Normal(0, 1))",
]


def model_uses(analysis) -> list[tuple]:
    def at(node):
        return None if node is None else (node.lineno, node.col_offset)

    return [
        (
            use.model,
            tuple(use.chain),
            at(use.call),
            use.function and (use.function.name, at(use.function.node)),
            use.wrapped,
            tuple(map(at, use.calls)),
        )
        for use in analysis.model_uses
    ]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(HANDING), min_size=1, max_size=8),
    edit_series(HANDING),
)
def test_model_uses_kept_across_versions_equal_a_fresh_analysis(statements, edits):
    """The models each part hands to consumers are kept with the part while the names they
    were followed through (assignments, definitions) read the same: after edits that
    replace, add and remove other statements, a document's model uses and models are those
    of the file analysed afresh."""
    documents = DocumentIndex()
    # Statements no edit touches after the edited ones: an edit then changes few of the
    # file's parts, and the next version joins the last one's maps (models.node_maps).
    untouched = "".join(f"\nsteady_{i} = {i}\n{PADDING}" for i in range(12))
    for version, source in edited_versions(USES_HEADER, statements, edits):
        source += untouched
        kept = documents.get("file:///m.py", version, source).analysis(CATALOG)
        fresh = DocumentIndex().get("file:///m.py", version, source).analysis(CATALOG)
        assert model_uses(kept) == model_uses(fresh)
        assert [m.name for m in kept.models] == [m.name for m in fresh.models]
        # The definitions the uses name are this version's, not a re-parsed statement's
        # earlier ones that read the same.
        current = {id(f) for f in kept.functions}
        assert all(u.function is None or id(u.function) in current for u in kept.model_uses)


NPR009_ONLY = RuleSettings(select=frozenset({"NPR009"}))
# Module-level statements that bind ``dist`` and ``D`` to numpyro's module, to another
# library's, to an alias of either or to something else, and that read names through them.
REBINDING = [
    "import numpyro.distributions as dist",
    "import tensorflow_probability.substrates.jax as tfp",
    "dist = tfp.distributions",
    "dist = numpyro.distributions",
    "D = dist",
    "D = dist.constraints",
    "def dist():\n    return 1",
    "class D:\n    dist = tfp",
    "if flag:\n    dist = None",
    "try:\n    import numpyro.distributions as D\nexcept ImportError:\n    D = None",
    "x = dist.Normall(0, 1)",
    "y = D.Normall(0, 1)",
    "z = D.positivee",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(REBINDING), min_size=1, max_size=8),
    edit_series(REBINDING),
)
def test_names_bound_again_in_other_parts_equal_a_fresh_check(statements, edits):
    """What a module-level name stands for is the last binding of it in the whole file: an
    import, an alias or an assignment in another part takes it over (``dist =
    tfp.distributions`` after ``import numpyro.distributions as dist``). After edits that
    add, replace and remove such statements, a document's findings through those names are
    those of the file checked afresh."""
    assert_findings_equal_fresh_checks("import numpyro\n", statements, edits, NPR009_ONLY)


def assert_findings_equal_fresh_checks(header, statements, edits, rules: RuleSettings) -> None:
    """After each edit, a document's findings (its parts kept) are the file's checked afresh."""
    documents = DocumentIndex()
    for version, source in edited_versions(header, statements, edits):
        document = documents.get("file:///m.py", version, source)
        found = run_rules(document.analysis(CATALOG), document.lines, rules)
        assert found == check_source(source, CATALOG, rules)


NPR001_ONLY = RuleSettings(select=frozenset({"NPR001"}))
# Module-level samples under context managers that the imports of other parts resolve or
# not, whose names other parts define or not.
CONTEXTS = [
    "from numpyro import handlers",
    "from numpyro.handlers import seed",
    "import torch",
    "def ctx():\n    return None",
    "ctx = open",
    "handlers = None",
    "with handlers.seed(rng_seed=0):\n    a = numpyro.sample('a', dist.Normal(0, 1))",
    "with ctx():\n    b = numpyro.sample('b', dist.Normal(0, 1))",
    "with torch.no_grad():\n    c = numpyro.sample('c', dist.Normal(0, 1))",
    "with handlers.trace():\n    d = numpyro.sample('d', dist.Normal(0, 1))",
    "with seed(rng_seed=1):\n    e = numpyro.sample('e', dist.Normal(0, 1))",
    "f = numpyro.sample('f', dist.Normal(0, 1))",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(CONTEXTS), min_size=1, max_size=8),
    edit_series(CONTEXTS),
)
def test_samples_under_context_managers_defined_in_other_parts_equal_a_fresh_check(
    statements, edits
):
    """NPR001 leaves a sample under a context manager whose name no statement of the file
    defines (NameError first) to the whole-file check, and reports the others chunk by
    chunk: after edits that add, replace and remove imports and definitions of those names
    in other parts, a document's findings are those of the file checked afresh."""
    header = "import numpyro\nimport numpyro.distributions as dist\n"
    assert_findings_equal_fresh_checks(header, statements, edits, NPR001_ONLY)
