"""Go to definition, references and rename for sample sites, across the workspace: from a
site's name, or from any string that names it (``samples["theta"]``,
``condition(model, data={"mu": ...})``...). They work in a thread on the documents'
snapshots; references and rename walk the workspace, and stop between files when the
request is cancelled."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from numpyro_lsp.features.cancellation import Cancelled, CancelToken, cancel_with
from numpyro_lsp.features.capabilities import supports_document_changes
from numpyro_lsp.features.conversions import node_range
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.pygls_internals import current_request_future
from numpyro_lsp.features.site_lookup import location, target_at

# The site analysis is imported on first use: initialize is answered before it loads
# (docs/performance.md).
if TYPE_CHECKING:
    from numpyro_lsp.analysis.site_navigation import Occurrence


def rename_failed(message: str) -> JsonRpcException:
    return JsonRpcException(message, code=types.LSPErrorCodes.RequestFailed)


def workspace_edit(
    ls: NumpyroLanguageServer, found: list[Occurrence], new_name: str
) -> types.WorkspaceEdit:
    """The new name written between the quotes of every occurrence; versioned edits for open
    documents when the client takes them."""
    from numpyro_lsp.analysis.site_navigation import string_content

    edits: dict[str, list[types.TextEdit]] = {}
    for occurrence in found:
        document = ls.document_for(occurrence.uri)
        content = string_content(occurrence.node, document.lines) if document else None
        if content is not None:
            edit = types.TextEdit(range=node_range(document, content), new_text=new_name)
            edits.setdefault(occurrence.uri, []).append(edit)
    if not supports_document_changes(ls.client_capabilities):
        return types.WorkspaceEdit(changes=edits)
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=ls.document_for(uri).version
                ),
                edits=uri_edits,
            )
            for uri, uri_edits in edits.items()
        ]
    )


def definition_locations(
    ls: NumpyroLanguageServer, params: types.DefinitionParams
) -> list[types.Location] | None:
    uri = params.text_document.uri
    found = target_at(ls, uri, params.position)
    if found is None:
        return None
    locations = [location(ls, d.owner.uri or uri, d.site.name_node) for d in found[2].definitions]
    return [loc for loc in locations if loc is not None] or None


def reference_locations(
    ls: NumpyroLanguageServer, params: types.ReferenceParams, token: CancelToken
) -> list[types.Location] | None:
    uri = params.text_document.uri
    found = target_at(ls, uri, params.position)
    if found is None:
        return None
    from numpyro_lsp.analysis.site_navigation import occurrences

    include = params.context.include_declaration
    documents = token.each(ls.workspace_index.documents())
    every = occurrences(found[2].definitions, uri, documents, include)
    locations = [location(ls, o.uri, o.node) for o in every]
    return [loc for loc in locations if loc is not None] or None


def rename_placeholder(
    ls: NumpyroLanguageServer, params: types.PrepareRenameParams
) -> types.PrepareRenamePlaceholder | None:
    """Only a site's name, or a string naming a site, can be renamed here."""
    found = target_at(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    from numpyro_lsp.analysis.site_navigation import string_content

    document, _, target = found
    content = string_content(target.node, document.lines)
    if content is None:
        return None
    return types.PrepareRenamePlaceholder(
        range=node_range(document, content), placeholder=target.node.value
    )


def rename_edit(
    ls: NumpyroLanguageServer, params: types.RenameParams, token: CancelToken
) -> types.WorkspaceEdit:
    uri = params.text_document.uri
    found = target_at(ls, uri, params.position)
    if found is None:
        raise rename_failed("Only a NumPyro site name can be renamed here")
    from numpyro_lsp.analysis.site_navigation import occurrences, rename_problem

    _, index, target = found
    problem = rename_problem(params.new_name, target.definitions, index)
    if problem is not None:
        raise rename_failed(problem)
    every = occurrences(target.definitions, uri, token.each(ls.workspace_index.documents()))
    return workspace_edit(ls, every, params.new_name)


async def off_the_loop(ls: NumpyroLanguageServer, function, params):
    """``function(ls, params, token)`` in a worker thread, on the snapshots of now; a
    cancelled request stops it between files."""
    ls.parsed(params.text_document.uri)  # the snapshot of the version asked about
    token = cancel_with(current_request_future(ls.protocol), CancelToken())
    try:
        return await asyncio.to_thread(function, ls, params, token)
    except Cancelled:
        return None
    finally:
        token.cancel()


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(
        ls: NumpyroLanguageServer, params: types.DefinitionParams
    ) -> list[types.Location] | None:
        return await off_the_loop(ls, lambda ls, p, _: definition_locations(ls, p), params)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def references(
        ls: NumpyroLanguageServer, params: types.ReferenceParams
    ) -> list[types.Location] | None:
        return await off_the_loop(ls, reference_locations, params)

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(
        ls: NumpyroLanguageServer, params: types.PrepareRenameParams
    ) -> types.PrepareRenamePlaceholder | None:
        return await off_the_loop(ls, lambda ls, p, _: rename_placeholder(ls, p), params)

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def rename(
        ls: NumpyroLanguageServer, params: types.RenameParams
    ) -> types.WorkspaceEdit | None:
        return await off_the_loop(ls, rename_edit, params)
