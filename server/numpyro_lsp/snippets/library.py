"""The NumPyro snippet library, read from the one VS Code snippet file.

``snippets/numpyro.code-snippets`` at the repository's root is the only copy in the source
tree: the VS Code extension contributes it, and the build (``setup.py``) copies it into this
package, where an installed server reads it. An editable install has no copy and reads the
repository's file. The file is read on the first completion that wants it, not at start.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from numpyro_lsp.snippets.syntax import expand

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

SNIPPET_FILE_NAME = "numpyro.code-snippets"
# server/numpyro_lsp/snippets/library.py -> the repository's root.
REPOSITORY_SNIPPET_FILE = Path(__file__).resolve().parents[3] / "snippets" / SNIPPET_FILE_NAME


@dataclass(frozen=True)
class Snippet:
    name: str  # the title: the snippet's key in the file
    prefix: str  # what the user types
    description: str
    body: str  # VS Code snippet syntax, lines joined with "\n"


def snippet_file() -> Traversable:
    """The packaged copy when there is one (an installed server), else the repository's."""
    # Imported here: importlib.resources costs ~20 ms of every server start otherwise.
    from importlib import resources

    packaged = resources.files("numpyro_lsp.snippets") / SNIPPET_FILE_NAME
    return packaged if packaged.is_file() else REPOSITORY_SNIPPET_FILE


def parse_snippet_file(text: str) -> tuple[Snippet, ...]:
    """Snippets from a ``.code-snippets`` file, in file order; strict JSON, one string prefix."""
    snippets = []
    for name, entry in json.loads(text).items():
        body = entry["body"]
        if not isinstance(entry["prefix"], str) or not isinstance(body, list):
            raise ValueError(f"snippet {name!r}: prefix must be a string and body a list")
        snippets.append(Snippet(name, entry["prefix"], entry["description"], "\n".join(body)))
    return tuple(snippets)


@functools.cache
def library() -> tuple[Snippet, ...]:
    return parse_snippet_file(snippet_file().read_text(encoding="utf-8"))


def snippets_for(typed: str) -> list[Snippet]:
    """The snippets whose prefix starts with the word typed so far (all of them for none)."""
    typed = typed.lower()
    return [s for s in library() if s.prefix.lower().startswith(typed)]


def file_variables(path: PurePath) -> dict[str, str]:
    """VS Code's variables about the current file, for expanding a snippet outside VS Code."""
    return {
        "TM_FILENAME": path.name,
        "TM_FILENAME_BASE": path.stem,
        "TM_DIRECTORY": str(path.parent),
        "TM_FILEPATH": str(path),
    }


def insert_text(
    snippet: Snippet, *, as_snippet: bool, indent: str, variables: Mapping[str, str]
) -> str:
    """What to insert at a line indented by ``indent``: the body, for a snippet engine (which
    indents it itself); else plain text with every default filled in, its other lines
    indented like the first (blank lines stay blank)."""
    if as_snippet:
        return snippet.body
    first, *rest = expand(snippet.body, variables).split("\n")
    return "\n".join([first, *(indent + line if line.strip() else line for line in rest)])
