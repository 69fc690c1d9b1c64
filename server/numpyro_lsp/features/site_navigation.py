"""Go to definition, references and rename for sample sites, across the workspace: from a
site's name, or from any string that names it (``samples["theta"]``,
``condition(model, data={"mu": ...})``...). They work in a thread on the documents'
snapshots; references and rename walk the workspace, and stop between files when the
request is cancelled."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from numpyro_lsp.features.cancellation import CancelToken, cancel_with
from numpyro_lsp.features.capabilities import supports_document_changes
from numpyro_lsp.features.conversions import node_range
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.pygls_internals import current_request_future, in_thread
from numpyro_lsp.features.site_lookup import asked_document, document_at, location, target_at

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.analysis.site_navigation import Occurrence


def rename_failed(message: str) -> JsonRpcException:
    return JsonRpcException(message, code=types.LSPErrorCodes.RequestFailed)


def workspace_edit(
    ls: NumpyroLanguageServer, asked: ParsedDocument, found: list[Occurrence], new_name: str
) -> types.WorkspaceEdit:
    """The new name written between the quotes of every occurrence; versioned edits for open
    documents when the client takes them."""
    from numpyro_lsp.analysis.site_navigation import string_content

    edits: dict[str, list[types.TextEdit]] = {}
    versions: dict[str, int | None] = {}
    for occurrence in found:
        document = document_at(ls, asked, occurrence.uri)
        content = string_content(occurrence.node, document.lines) if document else None
        if content is not None:
            edit = types.TextEdit(range=node_range(document, content), new_text=new_name)
            edits.setdefault(occurrence.uri, []).append(edit)
            versions[occurrence.uri] = document.version
    if not supports_document_changes(ls.client_capabilities):
        return types.WorkspaceEdit(changes=edits)
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=versions[uri]
                ),
                edits=uri_edits,
            )
            for uri, uri_edits in edits.items()
        ]
    )


def definition_locations(
    ls: NumpyroLanguageServer, asked: ParsedDocument, params: types.DefinitionParams, _
) -> list[types.Location] | None:
    found = target_at(ls, asked, params.position)
    if found is None:
        return None
    locations = [
        location(ls, asked, d.owner.uri or asked.uri, d.site.name_node)
        for d in found[1].definitions
    ]
    return [loc for loc in locations if loc is not None] or None


def reference_locations(
    ls: NumpyroLanguageServer,
    asked: ParsedDocument,
    params: types.ReferenceParams,
    token: CancelToken,
) -> list[types.Location] | None:
    found = target_at(ls, asked, params.position)
    if found is None:
        return None
    from numpyro_lsp.analysis.site_navigation import occurrences

    include = params.context.include_declaration
    documents = token.each(ls.workspace_index.documents())
    every = occurrences(found[1].definitions, asked.uri, documents, include)
    locations = [location(ls, asked, o.uri, o.node) for o in every]
    return [loc for loc in locations if loc is not None] or None


def rename_placeholder(
    ls: NumpyroLanguageServer, asked: ParsedDocument, params: types.PrepareRenameParams, _
) -> types.PrepareRenamePlaceholder | None:
    """Only a site's name, or a string naming a site, can be renamed here."""
    found = target_at(ls, asked, params.position)
    if found is None:
        return None
    from numpyro_lsp.analysis.site_navigation import string_content

    target = found[1]
    content = string_content(target.node, asked.lines)
    if content is None:
        return None
    return types.PrepareRenamePlaceholder(
        range=node_range(asked, content), placeholder=target.node.value
    )


def rename_edit(
    ls: NumpyroLanguageServer, asked: ParsedDocument, params: types.RenameParams, token: CancelToken
) -> types.WorkspaceEdit:
    found = target_at(ls, asked, params.position)
    if found is None:
        raise rename_failed("Only a NumPyro site name can be renamed here")
    from numpyro_lsp.analysis.site_navigation import occurrences, rename_problem

    index, target = found
    problem = rename_problem(params.new_name, target.definitions, index)
    if problem is not None:
        raise rename_failed(problem)
    every = occurrences(target.definitions, asked.uri, token.each(ls.workspace_index.documents()))
    return workspace_edit(ls, asked, every, params.new_name)


def off_the_loop(ls: NumpyroLanguageServer, function, params) -> Generator[Any, Any, Any]:
    """``function(ls, document, params, token)`` in a worker thread, on the document as the
    request arrived; a cancelled request stops it between files."""
    uri = params.text_document.uri
    asked = ls.asked(uri)
    token = cancel_with(current_request_future(ls.protocol), CancelToken())

    def work():
        document = asked_document(ls, uri, asked)
        return None if document is None else function(ls, document, params, token)

    return (yield from in_thread(work))


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: NumpyroLanguageServer, params: types.DefinitionParams):
        return (yield from off_the_loop(ls, definition_locations, params))

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(ls: NumpyroLanguageServer, params: types.ReferenceParams):
        return (yield from off_the_loop(ls, reference_locations, params))

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(ls: NumpyroLanguageServer, params: types.PrepareRenameParams):
        return (yield from off_the_loop(ls, rename_placeholder, params))

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    def rename(ls: NumpyroLanguageServer, params: types.RenameParams):
        return (yield from off_the_loop(ls, rename_edit, params))
