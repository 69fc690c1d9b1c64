"""Hover on a site: its name, a string that names it, or a variable bound to it.

The posterior summary after a smoke test comes from the server's optional
``posterior_summary(uri, site) -> str | None`` (Markdown; ``uri`` is the file that defines the
model), which the smoke-test feature provides.
"""

from __future__ import annotations

from lsprotocol import types

from numpyro_lsp.features.conversions import node_range
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.site_lookup import target_at


def site_hover(ls: NumpyroLanguageServer, params: types.HoverParams) -> types.Hover | None:
    """In a worker thread (the analysis may wait for a running check)."""
    # Imported on first use: initialize is answered before the analysis loads
    # (docs/performance.md); the server imports it at ``initialized``.
    from numpyro_lsp.analysis.site_info import site_markdown

    uri = params.text_document.uri
    found = target_at(ls, uri, params.position, variables=True)
    if found is None:
        return None
    document, _, target = found
    texts = [
        site_markdown(d, ls.posterior_summary(d.owner.uri or uri, d.site.name))
        for d in target.definitions
    ]
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(texts)
        ),
        range=node_range(document, target.node),
    )
