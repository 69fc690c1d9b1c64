"""What the client says it can do, read from its capabilities (absent means no)."""

from __future__ import annotations

from lsprotocol import types


def supports_snippets(capabilities: types.ClientCapabilities) -> bool:
    try:
        return bool(capabilities.text_document.completion.completion_item.snippet_support)
    except AttributeError:
        return False


def takes_markdown_documentation(capabilities: types.ClientCapabilities) -> bool:
    try:
        item = capabilities.text_document.completion.completion_item
        return types.MarkupKind.Markdown in (item.documentation_format or ())
    except AttributeError:
        return False


def insert_text_modes(capabilities: types.ClientCapabilities) -> set[types.InsertTextMode]:
    """The insertTextMode values the client says it understands (none said: none)."""
    try:
        item = capabilities.text_document.completion.completion_item
        return set(item.insert_text_mode_support.value_set)
    except AttributeError:
        return set()


def supports_progress(capabilities: types.ClientCapabilities) -> bool:
    try:
        return bool(capabilities.window.work_done_progress)
    except AttributeError:
        return False


def supports_document_changes(capabilities: types.ClientCapabilities) -> bool:
    try:
        return bool(capabilities.workspace.workspace_edit.document_changes)
    except AttributeError:
        return False


def supports_inlay_hint_refresh(capabilities: types.ClientCapabilities) -> bool:
    try:
        return bool(capabilities.workspace.inlay_hint.refresh_support)
    except AttributeError:
        return False
