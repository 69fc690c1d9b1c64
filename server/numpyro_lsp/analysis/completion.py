"""Completion candidates for NumPyro names: plain data, turned into LSP items elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from numpyro_lsp.analysis.context import (
    AttributeCompletion,
    CompletionContext,
    ImportFromCompletion,
    ModulePathCompletion,
)
from numpyro_lsp.analysis.resolve import qualified_path
from numpyro_lsp.catalog import render
from numpyro_lsp.catalog.schema import Catalog, Member

# Kinds that are called, and so get ``Name(${1:arg})`` insert text.
CALLABLE_KINDS = {
    "distribution",
    "transform",
    "autoguide",
    "kernel",
    "elbo",
    "reparam",
    "handler",
    "primitive",
    "inference",
    "init_strategy",
    "optimizer",
    "function",
    "class",
}


@dataclass(frozen=True)
class Candidate:
    label: str
    kind: str  # a catalog kind, or "module"
    detail: str
    # Catalog key (object) or module path, for resolving the documentation lazily.
    target: str
    # Snippet insert text with placeholders, for clients that support snippets.
    snippet: str | None = None


def snippet_params(obj: dict) -> list[str]:
    """The parameters worth a placeholder: those without a default, and for distributions
    the parameters numpyro constrains (one of alternatives such as ``probs``/``logits``)."""
    constrained = set(obj.get("arg_constraints", ()))
    chosen: list[str] = []
    alternative_taken = False
    for p in obj["params"]:
        if p["kind"] not in ("positional_only", "positional_or_keyword"):
            continue
        if "default" not in p:
            chosen.append(p["name"])
        elif p["name"] in constrained:
            if p["default"] == "None":
                if alternative_taken:
                    continue
                alternative_taken = True
            chosen.append(p["name"])
    return chosen


def escape_snippet(text: str) -> str:
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def call_snippet(obj: dict) -> str | None:
    if obj["kind"] not in CALLABLE_KINDS or not obj["signature"]:
        return None
    params = snippet_params(obj)
    placeholders = ", ".join(f"${{{i}:{escape_snippet(p)}}}" for i, p in enumerate(params, 1))
    return f"{obj['name']}({placeholders})" if params else f"{obj['name']}($0)"


def member_candidate(name: str, member: Member) -> Candidate:
    if member.module is not None:
        return Candidate(name, "module", f"module {member.path}", member.path)
    obj = member.obj
    return Candidate(name, obj["kind"], render.detail(obj), member.path, call_snippet(obj))


def module_candidates(catalog: Catalog, module_path: str) -> list[Candidate]:
    return [member_candidate(n, m) for n, m in catalog.members(module_path).items()]


def complete(
    context: CompletionContext, bindings: Mapping[str, str], catalog: Catalog
) -> list[Candidate]:
    if isinstance(context, AttributeCompletion):
        path = qualified_path(context.parts, bindings)
        if path is None:
            return []
        return module_candidates(catalog, path)
    if isinstance(context, ImportFromCompletion):
        if not catalog.has_module(context.module):
            return []
        # A module the catalog does not scan offers its submodules alone.
        candidates = module_candidates(catalog, context.module)
        known = {c.label for c in candidates}
        for sub in catalog.submodules(context.module):
            if sub not in known:
                full = f"{context.module}.{sub}"
                candidates.append(Candidate(sub, "module", f"module {full}", full))
        # An import names the object; it is not called here.
        return [Candidate(c.label, c.kind, c.detail, c.target) for c in candidates]
    if isinstance(context, ModulePathCompletion):
        if not context.parts:
            return [Candidate("numpyro", "module", "module numpyro", "numpyro")]
        base = ".".join(context.parts)
        return [
            Candidate(sub, "module", f"module {base}.{sub}", f"{base}.{sub}")
            for sub in catalog.submodules(base)
        ]
    return []
