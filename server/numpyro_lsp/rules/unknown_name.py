"""NPR009 unknown-numpyro-name

## What it does
Flags names that NumPyro does not have, with the closest one it does: `dist.Normall`,
`from numpyro.infer import NUTs`, an undefined `AutoNormall`, and imports of modules numpyro
does not have (`from numpyro.contrib.autoguide import AutoDiagonalNormal`). A name numpyro has
in another module (`from numpyro.infer.util import init_to_median`, from an older numpyro) is
told where it is, and an undefined name of a numpyro module (`constraints.positive`) the
import that binds it (`from numpyro.distributions import constraints`, its quick fix).

Undefined names are the Python server's to report; this rule speaks up for near-misses of
NumPyro names in files that import numpyro, not in others (a Pyro program, a snippet whose
imports are left out). An undefined lower-case name whose attribute is read (`mcmc.run(...)`)
or near a variable of its scope (`predictive(X)` below `predictive_mcmc = ...`) names a
variable, not a misspelt class, and a distribution's name in lower case (`logistic(x)`) most
often a function (`jax.random` has one of each such name): they are left to the Python server.

## Why is this bad?
Python reports these only when the line runs, and inside a model body only when inference
first runs the model; `from numpyro.infer import NUTs` gets no "did you mean" at all.

## Example
```python
import numpyro.distributions as dist
from numpyro.infer import NUTs

prior = dist.Normall(0.0, 1.0)
```

## Use instead
```python
import numpyro.distributions as dist
from numpyro.infer import NUTS

prior = dist.Normal(0.0, 1.0)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 2 findings, 2 true (`numpyro.contrib.gp`, which numpyro does not have). On 66
other public projects (about 2,000 files): 11 findings, 11 true (`numpyro.contrib.autoguide`,
`numpyro.contrib.indexing`, `dist.PRNGIdentity`...). False ones that went: 2 on a name
imported in a notebook cell that IPython dedents (such a cell is read dedented now), 8 on
`dist.MultivariateNormalFullCovariance` after `dist = tfp.distributions` (a module-level
assignment takes a name over), 3 on an undefined `logistic`, a sigmoid whose import was
commented out, which named the distribution (left to the Python server), and 3 in files
that never import numpyro: luiarthur/TuringBnpBenchmarks' blog snippets, whose imports are
left out (Pyro's `JitTrace_ELBO`; `constraints`, told "did you mean `Constraint`?" for a
missing `from numpyro.distributions import constraints`), and jmontalvo94/ml4ps' Pyro
`predictive`, a misspelt `predictive_mcmc`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.bound import (
    file_bound_names,
    part_names,
    star_imported,
    variables_in_scope,
)
from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity, did_you_mean

CODE = "NPR009"
NAME = "unknown-numpyro-name"
SEVERITY = Severity.ERROR


def missing_from_module(analysis: ModuleAnalysis, node: ast.AST, module: str, name: str) -> Report:
    # A name numpyro moved (``numpyro.infer.util.init_to_median`` is ``numpyro.infer``'s
    # now): where it is beats a near-miss in the module named.
    elsewhere = sorted((o["path"] for o in analysis.catalog.by_name(name)), key=len)
    if elsewhere:
        return Report(node, f"`{module}` has no `{name}`: it is `{elsewhere[0]}`")
    suggestion = did_you_mean(name, analysis.catalog.modules[module]["attributes"])
    hint = f"did you mean `{suggestion}`?" if suggestion else "check the name"
    fix = {"kind": "replace_name", "name": name, "replacement": suggestion}
    return Report(node, f"`{module}` has no `{name}`: {hint}", fix=fix if suggestion else None)


def lacks(analysis: ModuleAnalysis, module: str, name: str) -> bool:
    """Whether numpyro's ``module`` has no ``name`` at run time: not one of its attributes,
    nor a dunder every module has that the catalog does not list (``__version__``)."""
    if analysis.catalog.has_attribute(module, name):
        return False
    return not (name.startswith("__") and name.endswith("__"))


def unknown_attribute(analysis: ModuleAnalysis, node: ast.Attribute) -> Report | None:
    path = analysis.resolve(node)
    if path is None:
        return None
    module, _, name = path.rpartition(".")
    if module not in analysis.catalog.modules or not lacks(analysis, module, name):
        return None
    return missing_from_module(analysis, node, module, name)


def unknown_module(analysis: ModuleAnalysis, node: ast.AST, module: str) -> Report | None:
    """An import of ``numpyro.<module>`` that numpyro's folder does not hold: told where the
    names it imports are now, or the module of the same name elsewhere."""
    catalog = analysis.catalog
    if not module.startswith("numpyro.") or not catalog.package_modules:
        return None
    if catalog.has_module(module):
        return None
    parent, _, last = module.rpartition(".")
    names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
    homes = {o["path"].rpartition(".")[0] for name in names for o in catalog.by_name(name)} or {
        m for m in catalog.package_modules if m.rpartition(".")[2] == last
    }
    if catalog.has_attribute(parent, last):  # ``import numpyro.infer.MCMC``
        hint = f"`{last}` is not a module: `from {parent} import {last}`"
    elif len(homes) == 1:
        hint = f"it is `{homes.pop()}`"
    else:
        hint = "check the name"
    return Report(
        node,
        f"numpyro {catalog.numpyro_version} has no module `{module}` (ModuleNotFoundError): {hint}",
    )


def unknown_imports(analysis: ModuleAnalysis, node: ast.ImportFrom) -> Iterator[Report]:
    module = node.module
    if node.level or module is None:
        return
    missing = unknown_module(analysis, node, module)
    if missing is not None:
        yield missing
        return
    if module not in analysis.catalog.modules:
        return
    for alias in node.names:
        if alias.name != "*" and lacks(analysis, module, alias.name):
            yield missing_from_module(analysis, alias, module, alias.name)


def binds_package(analysis: ModuleAnalysis, name: str, roots: set[str]) -> bool:
    """Whether an import binds ``name`` to a module of one of these packages somewhere (at
    module level or in a function): only a chain that starts with such a name can name a
    missing NumPyro attribute."""
    path = analysis.bindings.get(name)
    if path is not None and path.split(".", 1)[0] in roots:
        return True
    local = analysis.local_bindings.get(name, {}).values()
    return any(path and path.split(".", 1)[0] in roots for path in local)


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    """Attributes and imports: their names resolve through the imports alone."""
    roots = {module.split(".", 1)[0] for module in analysis.catalog.modules}
    heads: dict[str, bool] = {}  # (resolving every attribute chain costs more than this)
    for node in analysis.nodes(ast.Attribute):
        head = node.value
        while type(head) is ast.Attribute:
            head = head.value
        if type(head) is not ast.Name:
            continue
        numpyro = heads.get(head.id)
        if numpyro is None:
            numpyro = heads[head.id] = binds_package(analysis, head.id, roots)
        if not numpyro:
            continue
        report = unknown_attribute(analysis, node)
        if report is not None:
            yield report
    for node in analysis.nodes(ast.ImportFrom):
        yield from unknown_imports(analysis, node)
    for node in analysis.nodes(ast.Import):
        for alias in node.names:
            missing = unknown_module(analysis, alias, alias.name)
            if missing is not None:
                yield missing


def _is_distribution(analysis: ModuleAnalysis, name: str) -> bool:
    return any(o["kind"] == "distribution" for o in analysis.catalog.by_name(name))


def imports_numpyro(analysis: ModuleAnalysis) -> bool:
    """Whether an import anywhere in the file (at module level or in a function) binds a
    name to something of numpyro's."""
    paths = [*analysis.bindings.values()]
    paths += [path for local in analysis.local_bindings.values() for path in local.values()]
    return any(path and path.split(".", 1)[0] == "numpyro" for path in paths)


def module_named(analysis: ModuleAnalysis, name: str) -> str | None:
    """The one numpyro module the catalog describes that goes by ``name``
    (``constraints`` -> ``numpyro.distributions.constraints``), if one does."""
    modules = [m for m in analysis.catalog.modules if m.rpartition(".")[2] == name]
    return modules[0] if len(modules) == 1 and "." in modules[0] else None


def undefined_report(analysis: ModuleAnalysis, node: ast.Name, suggestion: str) -> Report:
    """An undefined name near a NumPyro name: the module to import where the name is that
    of a numpyro module (``constraints.positive`` reads ``numpyro.distributions.constraints``,
    not the ``Constraint`` class), else the closest class."""
    name = node.id
    module = module_named(analysis, name) if suggestion.lower() != name else None
    if module is None:
        return Report(node, f"`{name}` is not defined: did you mean NumPyro's `{suggestion}`?")
    parent = module.rpartition(".")[0]
    return Report(
        node,
        f"`{name}` is not defined: it is NumPyro's module `{module}` "
        f"(`from {parent} import {name}`)",
        fix={"kind": "add_import", "module": parent, "name": name},
    )


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    """Bare names: whether one is defined depends on the whole file (each part's names are
    kept with it). Only in a file that imports numpyro: elsewhere (a Pyro program, a snippet
    whose imports are left out) a name near a NumPyro one is no sign of NumPyro, and an
    undefined name is the Python server's to report."""
    catalog_names = analysis.catalog.capitalized_names
    if star_imported(analysis):
        return  # a star import may bind any name
    bound = file_bound_names(analysis)
    candidates = [
        (part, name)
        for part in analysis.parts
        for name in part_names(part)[1] - bound - catalog_names
    ]
    if not candidates or not imports_numpyro(analysis):
        return
    for part, name in candidates:
        suggestion = did_you_mean(name, catalog_names, cutoff=0.85)
        if not suggestion:
            continue
        lower_case = name.islower() and suggestion.lower() == name
        # ``logistic(x)``, ``normal(key, ...)``: ``jax.random`` has a function of each
        # distribution's name in lower case, and ``expit``-like helpers go by them too, so
        # the class is seldom what was meant; the Python server reports the name.
        if lower_case and _is_distribution(analysis, suggestion):
            continue
        # ``mcmc.run(...)``, ``beta.rvs(...)``: a lower-case object whose attribute is
        # read is a variable named after the class, not the class misspelt.
        read_from = (
            {id(a.value) for a in part.nodes(ast.Attribute) if type(a.value) is ast.Name}
            if lower_case
            else set()
        )
        for node in part.nodes(ast.Name):
            if node.id != name or type(node.ctx) is not ast.Load or id(node) in read_from:
                continue
            # ``predictive(X)`` two lines below ``predictive_mcmc = Predictive(...)``: a
            # variable of its scope misspelt, not the class.
            if lower_case and did_you_mean(name, variables_in_scope(analysis, node)):
                continue
            yield undefined_report(analysis, node, suggestion)
