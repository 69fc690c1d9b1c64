"""Drive numpyro-lsp over stdio on a file, the way an editor does, and print what it answers.

Usage: python scripts/demo.py FILE  (positions are found on the file's first ``dist.Normal(``)
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient


def find(text: str, marker: str, offset: int) -> types.Position:
    index = text.index(marker) + offset
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return types.Position(line, column)


async def main(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    uri = path.resolve().as_uri()
    client = LanguageClient("numpyro-lsp-demo", "1")
    await client.start_io(sys.executable, "-m", "numpyro_lsp", "--stdio")
    started = time.perf_counter()
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                text_document=types.TextDocumentClientCapabilities(
                    completion=types.CompletionClientCapabilities(
                        completion_item=types.ClientCompletionItemOptions(snippet_support=True)
                    )
                )
            )
        )
    )
    print(f"initialize: {1000 * (time.perf_counter() - started):.0f} ms")
    client.initialized(types.InitializedParams())
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    doc = types.TextDocumentIdentifier(uri)
    marker = "dist.Normal("

    at_dot = find(text, marker, len("dist."))
    started = time.perf_counter()
    result = await client.text_document_completion_async(types.CompletionParams(doc, at_dot))
    elapsed = 1000 * (time.perf_counter() - started)
    items = result.items if isinstance(result, types.CompletionList) else result
    where = f"line {at_dot.line + 1}"
    print(f"\ncompletion after `dist.` ({where}): {len(items)} items, {elapsed:.1f} ms")
    for item in items:
        if item.label in ("Normal", "HalfCauchy", "StudentT"):
            print(f"  {item.label:<11} {item.detail}   insert: {item.insert_text}")

    hover = await client.text_document_hover_async(
        types.HoverParams(doc, find(text, marker, len("dist.N")))
    )
    print("\nhover on `Normal`:")
    print("  " + "\n  ".join(hover.contents.value.splitlines()[:12]))

    help = await client.text_document_signature_help_async(
        types.SignatureHelpParams(doc, find(text, marker, len(marker) + 4))
    )
    signature = help.signatures[0]
    start, end = signature.parameters[help.active_parameter].label
    print(f"\nsignature help in `dist.Normal(mu, |`: {signature.label}")
    print(f"  active parameter: {signature.label[start:end]}")

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(asyncio.run(main(Path(sys.argv[1]))))
