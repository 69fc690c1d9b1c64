"""Whole-file checks that read facts kept with each part of the file (rules/*.py
``part_facts``) find what a walk of the whole file finds, on random files cut into parts at
every statement."""

from __future__ import annotations

import ast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numpyro_lsp.analysis.models import (
    analyze_module,
    index_statements,
    module_bindings,
    walk_statements,
)
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules import prng_key_reuse

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
