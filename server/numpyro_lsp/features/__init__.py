"""The LSP features: each module registers its handlers on the server.

At module level a feature imports only lsprotocol, pygls and other light modules: its
implementation (analysis, rules, catalog, snippets, smoke test, rewrites) is imported by the
handlers on first use, so that ``initialize`` is answered before any of it loads
(docs/performance.md). This is why the features' imports of those sit inside functions, or
under ``TYPE_CHECKING``; ``warm_up`` imports what the first requests need at ``initialized``.
"""

from __future__ import annotations

import importlib

# What the first requests after opening a file use: completion (snippets and site names
# included), hover, signature help, document symbols and diagnostics (with their fix
# payloads).
FIRST_REQUEST_MODULES = (
    "numpyro_lsp.analysis.completion",
    "numpyro_lsp.analysis.context",
    "numpyro_lsp.analysis.document",
    "numpyro_lsp.analysis.hover",
    "numpyro_lsp.analysis.outline",
    "numpyro_lsp.analysis.reexports",
    "numpyro_lsp.analysis.signature",
    "numpyro_lsp.analysis.site_info",
    "numpyro_lsp.analysis.site_navigation",
    "numpyro_lsp.analysis.sites",
    "numpyro_lsp.analysis.workspace",
    "numpyro_lsp.catalog.render",
    "numpyro_lsp.rewrite.fixes",
    "numpyro_lsp.rules.base",
    "numpyro_lsp.rules.engine",
    "numpyro_lsp.snippets.docs",
    "numpyro_lsp.snippets.library",
)


def warm_up() -> None:
    """Import the modules of ``FIRST_REQUEST_MODULES`` now. The server calls this once
    initialize is answered, so that the first completion after opening a file does not pay
    for them, and before ``gc.freeze()``, so that they are frozen with the rest. The smoke
    test, code actions (libcst) and jedi still load on first use."""
    for name in FIRST_REQUEST_MODULES:
        importlib.import_module(name)
