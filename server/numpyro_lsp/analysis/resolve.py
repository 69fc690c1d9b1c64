"""From names written in code to catalog entries."""

from __future__ import annotations

from collections.abc import Mapping

from numpyro_lsp.analysis.imports import resolve_dotted
from numpyro_lsp.catalog.schema import Catalog, Member


def qualified_path(parts: list[str], bindings: Mapping[str, str]) -> str | None:
    path = resolve_dotted(parts, bindings)
    if path is None and parts and parts[0] == "numpyro":
        # ``from numpyro.infer import ...`` names the module without binding ``numpyro``.
        path = ".".join(parts)
    return path


def catalog_member(
    parts: list[str], bindings: Mapping[str, str], catalog: Catalog
) -> Member | None:
    """The catalog entry a dotted name written in code stands for (``ModuleAnalysis.resolve``
    gives a name's path within an analysed module, locals included)."""
    path = qualified_path(parts, bindings)
    return catalog.lookup(path) if path else None
