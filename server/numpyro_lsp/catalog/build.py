"""Build the catalog of the installed NumPyro.

Runs in the project's interpreter as ``numpyro_lsp.catalog.build RAW.json``, handed over as
standalone code (``environment.helper_command``): there only numpyro and its jax can be
imported, so this module imports nothing else, not even the rest of numpyro_lsp. It is the
only module of the package that imports numpyro besides the smoke worker; the server runs it
in a subprocess, renders the docstrings it writes (``docstrings``) and stores the catalog, so
the server process itself never pays the import.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import types
from pathlib import Path

import numpyro
import numpyro.contrib.control_flow
import numpyro.diagnostics
import numpyro.distributions as dist
import numpyro.handlers
import numpyro.infer
import numpyro.infer.autoguide
import numpyro.infer.initialization
import numpyro.infer.reparam
import numpyro.optim
import numpyro.primitives
from numpyro.distributions import constraints, transforms
from numpyro.infer.elbo import ELBO
from numpyro.infer.mcmc import MCMCKernel
from numpyro.infer.reparam import Reparam
from numpyro.primitives import Messenger

# Shallow modules first: the first public path an object is found under is its canonical one
# (``numpyro.infer.NUTS``, not ``numpyro.infer.hmc.NUTS``).
SCANNED_MODULES = [
    "numpyro",
    "numpyro.distributions",
    "numpyro.handlers",
    "numpyro.infer",
    "numpyro.optim",
    "numpyro.diagnostics",
    "numpyro.primitives",
    "numpyro.distributions.constraints",
    "numpyro.distributions.transforms",
    "numpyro.infer.autoguide",
    "numpyro.infer.reparam",
    "numpyro.infer.initialization",
    "numpyro.contrib.control_flow",
    # Where the inference classes are defined: ``from numpyro.infer.mcmc import MCMC``, as
    # some notebooks write it, names the same object as ``numpyro.infer.MCMC``.
    "numpyro.infer.mcmc",
    "numpyro.infer.hmc",
    "numpyro.infer.hmc_gibbs",
    "numpyro.infer.barker",
    "numpyro.infer.mixed_hmc",
    "numpyro.infer.sa",
    "numpyro.infer.ensemble",
    "numpyro.infer.svi",
    "numpyro.infer.elbo",
    "numpyro.infer.util",
    "numpyro.infer.inspect",
]

DOCS_ROOT = "https://num.pyro.ai/en/stable/"
# Which page of the NumPyro docs documents the objects defined in a module.
DOCS_PAGES = [
    ("numpyro.distributions", "distributions.html"),
    ("numpyro.infer.autoguide", "autoguide.html"),
    ("numpyro.infer.reparam", "reparam.html"),
    ("numpyro.infer.svi", "svi.html"),
    ("numpyro.infer.elbo", "svi.html"),
    ("numpyro.infer.initialization", "utilities.html"),
    ("numpyro.infer.util", "utilities.html"),
    ("numpyro.infer.inspect", "utilities.html"),
    ("numpyro.infer", "mcmc.html"),
    ("numpyro.handlers", "handlers.html"),
    ("numpyro.primitives", "primitives.html"),
    ("numpyro.contrib.control_flow", "primitives.html"),
    ("numpyro.optim", "optimizers.html"),
    ("numpyro.diagnostics", "diagnostics.html"),
    ("numpyro.util", "utilities.html"),
]

PRIMITIVE_NAMES = {
    "sample",
    "param",
    "plate",
    "plate_stack",
    "deterministic",
    "factor",
    "subsample",
    "prng_key",
    "module",
    "get_mask",
    "scan",
    "cond",
}


def public_members(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and getattr(value, "__module__", "") == module.__name__
        ]
    return sorted(n for n in names if n != "__version__" and hasattr(module, n))


def defined_in(obj) -> str:
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}".strip(".")


def docs_url(obj) -> str | None:
    module = getattr(obj, "__module__", "") or ""
    for prefix, page in DOCS_PAGES:
        if module == prefix or module.startswith(prefix + "."):
            return f"{DOCS_ROOT}{page}#{defined_in(obj)}"
    return None


def is_subclass(obj, base) -> bool:
    return inspect.isclass(obj) and issubclass(obj, base)


def kind_of(name: str, obj, module_name: str) -> str:
    if inspect.ismodule(obj):
        return "module"
    if is_subclass(obj, dist.Distribution):
        return "distribution"
    if module_name == "numpyro.distributions" and inspect.isfunction(obj) and name[0].isupper():
        return "distribution"  # a factory such as Bernoulli(probs=..., logits=...)
    if isinstance(obj, constraints.Constraint) or is_subclass(obj, constraints.Constraint):
        return "constraint"
    if is_subclass(obj, transforms.Transform):
        return "transform"
    if is_subclass(obj, numpyro.infer.autoguide.AutoGuide):
        return "autoguide"
    if is_subclass(obj, MCMCKernel):
        return "kernel"
    if is_subclass(obj, ELBO):
        return "elbo"
    if is_subclass(obj, Reparam):
        return "reparam"
    if name in PRIMITIVE_NAMES and module_name in (
        "numpyro",
        "numpyro.primitives",
        "numpyro.contrib.control_flow",
    ):
        return "primitive"
    if is_subclass(obj, Messenger):
        return "handler"
    if obj in (numpyro.infer.MCMC, numpyro.infer.SVI, numpyro.infer.Predictive):
        return "inference"
    if name.startswith("init_to_"):
        return "init_strategy"
    if module_name == "numpyro.optim" and inspect.isclass(obj):
        return "optimizer"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "value"


# --- signatures and constraints ---------------------------------------------------------


def constraint_names() -> dict[int, str]:
    """Public constraint singletons and factories by identity, for naming a constraint."""
    names: dict[int, str] = {}
    for name in constraints.__all__:
        value = getattr(constraints, name)
        if isinstance(value, constraints.Constraint) or inspect.isclass(value):
            names.setdefault(id(value), name)
    return names


CONSTRAINT_NAMES: dict[int, str] = {}


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def describe_constraint(constraint) -> dict | None:
    """A constraint as data: its name, how it reads in code, and its scalar bounds.

    The bounds and whether each end is included are probed with the constraint's own
    ``check`` so the rules judge literals exactly as numpyro will.
    """
    if constraint is None:
        return None
    if isinstance(constraint, constraints.dependent_property) or constraints.is_dependent(
        constraint
    ):
        return {"name": "dependent", "display": "dependent on other parameters"}
    if not isinstance(constraint, constraints.Constraint):
        return {"name": type(constraint).__name__, "display": type(constraint).__name__}
    name = CONSTRAINT_NAMES.get(id(constraint))
    display = name
    if name is None:
        factory = CONSTRAINT_NAMES.get(id(type(constraint)), type(constraint).__name__.lstrip("_"))
        name = factory
        args = [
            f"{k}={v}"
            for k, v in vars(constraint).items()
            if not k.startswith("_") and _number(v) is not None
        ]
        display = f"{factory}({', '.join(args)})"
    described = {
        "name": name,
        "display": display,
        "event_dim": int(getattr(constraint, "event_dim", 0)),
        "is_discrete": _static_flag(constraint, "is_discrete"),
    }
    if described["event_dim"] == 0:
        for end in ("lower_bound", "upper_bound"):
            bound = _number(getattr(constraint, end, None))
            if bound is not None:
                described[end.split("_")[0]] = bound
                try:
                    included = bool(constraint(bound))
                except Exception:
                    included = None
                described[end.split("_")[0] + "_inclusive"] = included
    return described


def format_default(value) -> str:
    if value is inspect.Parameter.empty:
        return ""
    if isinstance(value, str):
        return repr(value)
    text = repr(value)
    if len(text) > 40 or text.startswith("<"):
        text = getattr(value, "__name__", "…")
    return text


_PARAM_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional_only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional_or_keyword",
    inspect.Parameter.VAR_POSITIONAL: "var_positional",
    inspect.Parameter.KEYWORD_ONLY: "keyword_only",
    inspect.Parameter.VAR_KEYWORD: "var_keyword",
}


def signature_of(obj) -> inspect.Signature | None:
    if not callable(obj) or isinstance(obj, constraints.Constraint):
        return None
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


def describe_params(sig: inspect.Signature | None, arg_constraints: dict) -> list[dict]:
    if sig is None:
        return []
    params = []
    for p in sig.parameters.values():
        param = {"name": p.name, "kind": _PARAM_KINDS[p.kind]}
        if p.default is not inspect.Parameter.empty:
            param["default"] = format_default(p.default)
        constraint = describe_constraint(arg_constraints.get(p.name))
        if constraint:
            param["constraint"] = constraint
        params.append(param)
    return params


def format_signature(name: str, params: list[dict]) -> str:
    parts: list[str] = []
    keyword_only_marked = False
    for p in params:
        kind = p["kind"]
        if kind == "var_positional":
            parts.append(f"*{p['name']}")
            keyword_only_marked = True
            continue
        if kind == "var_keyword":
            parts.append(f"**{p['name']}")
            continue
        if kind == "keyword_only" and not keyword_only_marked:
            parts.append("*")
            keyword_only_marked = True
        parts.append(f"{p['name']}={p['default']}" if "default" in p else p["name"])
    return f"{name}({', '.join(parts)})"


# --- distributions ----------------------------------------------------------------------


def _static_flag(constraint, attribute: str) -> bool:
    try:
        return bool(getattr(constraint, attribute, False))
    except NotImplementedError:  # a bare ``dependent`` knows nothing statically
        return False


def distribution_facts(cls) -> dict:
    arg_constraints = cls.__dict__.get("arg_constraints", getattr(cls, "arg_constraints", {}))
    if not isinstance(arg_constraints, dict):
        arg_constraints = {}
    support = inspect.getattr_static(cls, "support", None)
    support_info = describe_constraint(support)
    has_rsample = inspect.getattr_static(cls, "has_rsample", None)
    if not isinstance(has_rsample, bool):
        reparametrized = getattr(cls, "reparametrized_params", [])
        # A property on the class in older numpyro (0.15's TruncatedPolyaGamma): unknown.
        if not isinstance(reparametrized, list | tuple):
            reparametrized = []
        has_rsample = set(reparametrized) == set(arg_constraints) and bool(arg_constraints)
    base_support = support
    if isinstance(support, constraints.independent):
        base_support = support.base_constraint
    facts = {
        "arg_constraints": sorted(arg_constraints),
        "support": support_info,
        "has_rsample": has_rsample,
        "is_discrete": _static_flag(support, "is_discrete"),
        "has_enumerate_support": bool(inspect.getattr_static(cls, "has_enumerate_support", False)),
    }
    # LocScaleReparam requires real support and ``loc``/``scale`` parameters; any other
    # parameter is copied through ``shape_params`` (StudentT's ``df``).
    if base_support is constraints.real and {"loc", "scale"} <= set(arg_constraints):
        facts["loc_scale"] = {"shape_params": sorted(set(arg_constraints) - {"loc", "scale"})}
    return facts


def factory_classes(function) -> list[type]:
    """The classes a distribution factory dispatches to: ``Bernoulli`` -> ``BernoulliProbs``..."""
    return [
        value
        for name, value in vars(dist).items()
        if name.startswith(function.__name__)
        and name != function.__name__
        and is_subclass(value, dist.Distribution)
    ]


def arg_constraints_of(obj) -> dict:
    if is_subclass(obj, dist.Distribution):
        value = getattr(obj, "arg_constraints", {})
        return value if isinstance(value, dict) else {}
    merged: dict = {}
    for cls in factory_classes(obj) if inspect.isfunction(obj) else []:
        merged = {**arg_constraints_of(cls), **merged}
    return merged


def undocumented_distribution_summary(name: str, params: list[dict], obj) -> str:
    """A summary from numpyro's own facts, for distributions that have no docstring."""
    constrained = [
        f"`{p['name']}` ({p['constraint']['display']})" for p in params if p.get("constraint")
    ]
    cls = obj if inspect.isclass(obj) else (factory_classes(obj) or [None])[0]
    support = describe_constraint(inspect.getattr_static(cls, "support", None)) if cls else None
    text = f"The {name} distribution"
    if support:
        text += f" with support `{support['display']}`"
    if constrained:
        text += f", parameterized by {', '.join(constrained)}"
    return text + "."


def describe_object(path: str, name: str, obj, module_name: str) -> dict:
    kind = kind_of(name, obj, module_name)
    sig = signature_of(obj)
    params = describe_params(sig, arg_constraints_of(obj))
    doc = obj.__doc__ if not isinstance(obj, constraints.Constraint) else type(obj).__doc__
    if inspect.isclass(obj) and "__init__" in vars(obj) and obj.__init__.__doc__:
        doc = f"{doc or ''}\n\n{inspect.cleandoc(obj.__init__.__doc__)}"
    entry = {
        "name": name,
        "path": path,
        "kind": kind,
        "defined_in": defined_in(obj if not isinstance(obj, constraints.Constraint) else type(obj)),
        "signature": format_signature(name, params) if sig is not None else "",
        "params": params,
        # Rendered as Markdown by the server (catalog/docstrings.py), which has the library
        # for it: this module runs where only numpyro is installed.
        "docstring": doc or "",
        "url": docs_url(obj if not isinstance(obj, constraints.Constraint) else type(obj)),
    }
    if kind == "distribution":
        # The summary of a distribution whose docstring has none.
        entry["fallback_summary"] = undocumented_distribution_summary(name, params, obj)
    if kind == "distribution" and inspect.isclass(obj):
        entry.update(distribution_facts(obj))
    elif kind == "distribution":
        targets = factory_classes(obj)
        if targets:
            entry.update(distribution_facts(targets[0]))
            entry["arg_constraints"] = sorted(arg_constraints_of(obj))
            entry["dispatches_to"] = sorted(cls.__name__ for cls in targets)
    if kind == "constraint" and isinstance(obj, constraints.Constraint):
        entry["constraint"] = describe_constraint(obj)
    return entry


def package_modules() -> list[str]:
    """Every module numpyro's folder holds, read from disk without importing any: a
    ``numpyro.*`` import outside this list raises ModuleNotFoundError. Every folder counts
    (one without ``__init__.py`` imports as a namespace package)."""
    found = set()
    for folder in map(Path, numpyro.__path__):
        for path in folder.rglob("*"):
            if "__pycache__" in path.parts:
                continue
            relative = path.relative_to(folder.parent)
            if path.is_dir():
                parts = list(relative.parts)
            elif path.suffix in (".py", ".so", ".pyd"):
                parts = [*relative.parts[:-1], path.name.split(".", 1)[0]]
                parts = parts[:-1] if parts[-1] == "__init__" else parts
            else:
                continue
            # Only names an import can spell (``numpyro/examples/.data`` holds datasets).
            if all(part.isidentifier() for part in parts):
                found.add(".".join(parts))
    return sorted(found)


def build() -> dict:
    CONSTRAINT_NAMES.update(constraint_names())
    modules: dict[str, dict] = {}
    objects: dict[str, dict] = {}
    canonical: dict[int, str] = {}
    for module_name in SCANNED_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # a module this numpyro version does not have (yet)
            continue
        members: dict[str, str] = {}
        for name in public_members(module):
            value = getattr(module, name)
            if inspect.ismodule(value):
                if value.__name__ in SCANNED_MODULES:
                    members[name] = value.__name__
                continue
            key = canonical.get(id(value))
            if key is None:
                key = f"{module_name}.{name}"
                canonical[id(value)] = key
                objects[key] = describe_object(key, name, value, module_name)
            members[name] = key
        modules[module_name] = {
            "docstring": module.__doc__ or "",
            "members": members,
            # Every attribute the module has, public API or not: a name outside this list
            # is an AttributeError at run time (``dist.Normall``).
            "attributes": sorted(n for n in dir(module) if not n.startswith("__")),
        }
    return {
        "numpyro_version": numpyro.__version__,
        "modules": modules,
        "objects": objects,
        "package_modules": package_modules(),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: numpyro_lsp.catalog.build RAW.json", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(build(), indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
