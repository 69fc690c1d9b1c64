"""Hover on a site: its name, a string that names it, or a variable bound to it.

The posterior summary after a smoke test comes from the server's optional
``posterior_summary(uri, site) -> str | None`` (Markdown; ``uri`` is the file that defines the
model), which the smoke-test feature provides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from numpyro_lsp.features.conversions import node_range
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.site_lookup import asked_document, target_at

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument


def site_hover(
    ls: NumpyroLanguageServer, asked: ParsedDocument | None, params: types.HoverParams
) -> types.Hover | None:
    """On the document as the request arrived (``ls.asked``), in a worker thread (the
    analysis may wait for a running check)."""
    from numpyro_lsp.analysis.site_info import site_markdown

    uri = params.text_document.uri
    document = asked_document(ls, uri, asked)
    if document is None:
        return None
    found = target_at(ls, document, params.position, variables=True)
    if found is None:
        return None
    _, target = found
    from numpyro_lsp.features.shape_lens import hover_markdown

    texts = []
    for d in target.definitions:
        # The shapes (a short table) before the posterior (a row per element).
        summaries = [
            hover_markdown(ls, d.owner.uri or uri, d.site.name),
            ls.posterior_summary(d.owner.uri or uri, d.site.name),
        ]
        texts.append(site_markdown(d, "\n\n".join(s for s in summaries if s) or None))
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(texts)
        ),
        range=node_range(document, target.node),
    )
