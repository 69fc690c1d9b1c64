"""What the site features share: a document's site index with its imports linked, the site
under the cursor, and ``ast`` nodes as LSP locations. Called in worker threads: documents
come from the server's snapshots (``document_for``), never from the live workspace."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from lsprotocol import types

from numpyro_lsp.features.conversions import cursor, node_range
from numpyro_lsp.features.language_server import NumpyroLanguageServer

# The site analysis is imported on first use: initialize is answered
# before they load (docs/performance.md); the server imports them at ``initialized``.
if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.analysis.site_navigation import SiteTarget
    from numpyro_lsp.analysis.sites import SiteIndex


def site_index(ls: NumpyroLanguageServer, uri: str) -> tuple[ParsedDocument, SiteIndex] | None:
    """The document and its site references; None while it does not parse. A file that is
    not open is read through the workspace index, so its sites are the ones other files'
    references resolve to."""
    from numpyro_lsp.analysis.sites import SiteIndex

    document = ls.document_for(uri)
    analysis = ls.linked_analysis(document) if document is not None else None
    return None if analysis is None else (document, SiteIndex(analysis))


def target_at(
    ls: NumpyroLanguageServer, uri: str, position: types.Position, variables: bool = False
) -> tuple[ParsedDocument, SiteIndex, SiteTarget] | None:
    """The site (or sites) the cursor names, with where it was found."""
    from numpyro_lsp.analysis.site_navigation import site_target

    found = site_index(ls, uri)
    if found is None:
        return None
    document, index = found
    target = site_target(index, *cursor(document, position), variables=variables)
    return None if target is None or not target.definitions else (document, index, target)


def location(ls: NumpyroLanguageServer, uri: str, node: ast.AST) -> types.Location | None:
    document = ls.document_for(uri)
    return None if document is None else types.Location(uri=uri, range=node_range(document, node))
