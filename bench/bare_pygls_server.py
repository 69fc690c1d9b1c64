"""The framework floor: a pygls 2 server that answers initialize and, for any completion,
the same 140 items. Run with ``python bench/bare_pygls_server.py`` (stdio)."""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

ITEM_COUNT = 140

server = LanguageServer(
    "bare-pygls", "0", text_document_sync_kind=types.TextDocumentSyncKind.Incremental
)

ITEMS = [
    types.CompletionItem(
        label=f"Item{i:03d}",
        kind=types.CompletionItemKind.Class,
        detail=f"Item{i:03d}(loc, scale)",
        label_details=types.CompletionItemLabelDetails(description="distribution"),
        data={"target": f"bench.Item{i:03d}"},
    )
    for i in range(ITEM_COUNT)
]


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=["."], resolve_provider=False),
)
def completion(ls: LanguageServer, params: types.CompletionParams) -> types.CompletionList:
    return types.CompletionList(is_incomplete=False, items=ITEMS)


if __name__ == "__main__":
    server.start_io()
