"""What the site features share: a document's site index with its imports linked, the site
under the cursor, and ``ast`` nodes as LSP locations. Called in worker threads: documents
come from the server's snapshots (``document_for``), never from the live workspace."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from lsprotocol import types

from numpyro_lsp.features.conversions import cursor, node_range
from numpyro_lsp.features.language_server import NumpyroLanguageServer

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.analysis.site_navigation import SiteTarget
    from numpyro_lsp.analysis.sites import SiteIndex


def document_at(
    ls: NumpyroLanguageServer, asked: ParsedDocument, uri: str
) -> ParsedDocument | None:
    """``uri``'s document: the one the request was asked on (its snapshot when the request
    arrived, which later edits may have replaced), else the server's (disk if not open)."""
    return asked if uri == asked.uri else ls.document_for(uri)


def asked_document(
    ls: NumpyroLanguageServer, uri: str, asked: ParsedDocument | None
) -> ParsedDocument | None:
    """The document a request is about: ``ls.asked(uri)``, taken as it arrived, or the file
    on disk when it is not open."""
    return asked if asked is not None else ls.document_for(uri)


def site_index(ls: NumpyroLanguageServer, document: ParsedDocument) -> SiteIndex | None:
    """The document's site references, its imported models linked; None without an
    analysis."""
    from numpyro_lsp.analysis.sites import SiteIndex

    analysis = ls.linked_analysis(document)
    return None if analysis is None else SiteIndex(analysis)


def target_at(
    ls: NumpyroLanguageServer,
    document: ParsedDocument,
    position: types.Position,
    variables: bool = False,
) -> tuple[SiteIndex, SiteTarget] | None:
    """The site (or sites) the cursor names, with the document's index."""
    from numpyro_lsp.analysis.site_navigation import site_target

    index = site_index(ls, document)
    if index is None:
        return None
    target = site_target(index, *cursor(document, position), variables=variables)
    return None if target is None or not target.definitions else (index, target)


def location(
    ls: NumpyroLanguageServer, asked: ParsedDocument, uri: str, node: ast.AST
) -> types.Location | None:
    document = document_at(ls, asked, uri)
    return None if document is None else types.Location(uri=uri, range=node_range(document, node))
