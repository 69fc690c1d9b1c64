"""textDocument/signatureHelp inside calls of NumPyro callables."""

from __future__ import annotations

from lsprotocol import types

from numpyro_lsp.analysis.text import utf16_length
from numpyro_lsp.features.language_server import NumpyroLanguageServer


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=["="]),
    )
    def signature_help(
        ls: NumpyroLanguageServer, params: types.SignatureHelpParams
    ) -> types.SignatureHelp | None:
        from numpyro_lsp.analysis.context import CALL_WINDOW_LINES
        from numpyro_lsp.analysis.signature import signature_at

        document = ls.parsed(params.text_document.uri)
        column = document.column(params.position.line, params.position.character)
        text = document.text_before(params.position.line, column, CALL_WINDOW_LINES)
        signature = signature_at(text, ls.bindings(document), ls.catalogs.catalog)
        if signature is None:
            return None
        label = signature.label
        parameters = [
            types.ParameterInformation(
                # Offsets into the label, in UTF-16 units like every LSP column.
                label=(utf16_length(label[: p.start]), utf16_length(label[: p.end])),
                documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=p.doc)
                if p.doc
                else None,
            )
            for p in signature.parameters
        ]
        return types.SignatureHelp(
            signatures=[
                types.SignatureInformation(
                    label=label,
                    documentation=types.MarkupContent(
                        kind=types.MarkupKind.Markdown, value=signature.doc
                    ),
                    parameters=parameters,
                    active_parameter=signature.active_parameter,
                )
            ],
            active_signature=0,
            active_parameter=signature.active_parameter,
        )
