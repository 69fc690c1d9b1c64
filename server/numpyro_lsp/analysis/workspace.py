"""The workspace's Python files and the models they share, read lazily.

A document open in the editor is taken as the editor has it; any other file is read from
disk and parsed once per modification (its mtime and size). Imports are followed to the
workspace file that defines the model (``from model import eight_schools``, ``import
pkg.model as m``, ``from .model import ...``), so a file's analysis knows the models it
imports. Listing the whole workspace is only done for workspace-wide requests (references,
rename, workspace symbols), and at most once every few seconds.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from numpyro_lsp.analysis.discovery import python_files
from numpyro_lsp.analysis.document import ParsedDocument
from numpyro_lsp.analysis.models import FunctionInfo, ModelDefinition, ModuleAnalysis
from numpyro_lsp.catalog.schema import Catalog

# Larger files are generated or data, not models worth indexing.
MAX_FILE_BYTES = 1_000_000
# The workspace's file list is read again after this many seconds.
LISTING_SECONDS = 5.0
# How many imports deep models are followed (a helper imported by an imported model).
IMPORT_DEPTH = 2
# A file that mentions none of these can neither define a model nor name a site.
_MAY_NAME_SITES = re.compile(r"numpyro|get_samples|get_trace")


class WorkspaceIndex:
    def __init__(
        self,
        catalog: Callable[[], Catalog],
        roots: Callable[[], list[Path]],
        open_documents: Callable[[], dict[Path, ParsedDocument]],
        uri_for_path: Callable[[Path], str] = Path.as_uri,
    ) -> None:
        self._catalog = catalog
        self._roots = roots
        self._open_documents = open_documents
        self._uri_for_path = uri_for_path
        self._from_disk: dict[Path, tuple[tuple[int, int], ParsedDocument]] = {}
        self._listing: tuple[float, list[Path]] | None = None
        # module_file's answers, read again after LISTING_SECONDS like the listing: every
        # check of a document follows its imports, and each costs a few file lookups. By
        # the importer's folder, all the answer depends on: the files of one folder share
        # them, and a file opened next to another finds its imports known.
        self._module_files: dict[tuple[str, Path | None, int], tuple[float, Path | None]] = {}

    # --- files -----------------------------------------------------------------------------

    def document(self, path: Path) -> ParsedDocument | None:
        """The file as the editor has it, else as it is on disk (None when unreadable)."""
        opened = self._open_documents().get(path)
        return opened if opened is not None else self._read(path)

    def _read(self, path: Path) -> ParsedDocument | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._from_disk.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        if stat.st_size > MAX_FILE_BYTES:
            return None
        try:
            source = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        document = ParsedDocument(self._uri_for_path(path), None, source)
        self._from_disk[path] = (stamp, document)
        return document

    def python_files(self) -> list[Path]:
        """Every Python file under the workspace folders, found as ``numpyro-lsp check``
        finds them (analysis/discovery.py)."""
        now = time.monotonic()
        if self._listing is not None and now - self._listing[0] < LISTING_SECONDS:
            return self._listing[1]
        files = list(python_files(self._roots()))
        self._listing = (now, files)
        return files

    def documents(self) -> Iterator[tuple[ParsedDocument, ModuleAnalysis]]:
        """Every workspace file (and open document) that may define a model or name a site,
        with its linked analysis."""
        # Nested workspace folders list a file twice: keep the first.
        for path in dict.fromkeys([*self.python_files(), *self._open_documents()]):
            document = self.document(path)
            if document is None or not _MAY_NAME_SITES.search(document.source):
                continue
            analysis = self.linked_analysis(document, path)
            if analysis is not None:
                yield document, analysis

    # --- imports ---------------------------------------------------------------------------

    def module_file(self, module: str, importer: Path | None, level: int = 0) -> Path | None:
        """The workspace file an import names: relative to the importer for ``from .x``,
        else under a workspace folder (or its ``src/``) or beside the importer. A file made
        since is found within LISTING_SECONDS."""
        folder = importer.parent if importer is not None else None
        key, now = (module, folder, level), time.monotonic()
        known = self._module_files.get(key)
        if known is not None and now - known[0] < LISTING_SECONDS:
            return known[1]
        found = self._find_module_file(module, folder, level)
        self._module_files[key] = (now, found)
        return found

    def _find_module_file(self, module: str, folder: Path | None, level: int) -> Path | None:
        """``module_file`` for an importer in ``folder``."""
        parts = module.split(".") if module else []
        if level:
            if folder is None:
                return None
            above = [folder, *folder.parents]
            bases = [above[level - 1]] if level <= len(above) else []
        else:
            bases = [b for root in self._roots() for b in (root, root / "src")]
            if folder is not None:
                bases.append(folder)
        for base in bases:
            for candidate in (
                base.joinpath(*parts).with_suffix(".py") if parts else None,
                base.joinpath(*parts, "__init__.py"),
            ):
                if candidate is not None and candidate.is_file():
                    return candidate
        return None

    @staticmethod
    def may_import(source: str, path: Path) -> bool:
        """Whether code may import the module in ``path``: an import that ``module_file``
        follows to a module file names it (``import model``, ``from .model import m``, ``from
        pkg import model``), in some case where the file system ignores it; a package's
        ``__init__.py`` may be imported without its name (``from . import m``)."""
        return path.stem == "__init__" or path.stem.lower() in source.lower()

    def linked_analysis(
        self, document: ParsedDocument, path: Path | None, depth: int = IMPORT_DEPTH
    ) -> ModuleAnalysis | None:
        """The document's analysis, knowing the models it imports from the workspace."""
        analysis = document.analysis(self._catalog())
        if analysis is None or depth == 0:
            return analysis
        modules: dict[tuple[str, int], _ImportedModule | None] = {}

        def imported_module(module: str, level: int) -> _ImportedModule | None:
            if (module, level) not in modules:
                modules[module, level] = self._imported_module(module, path, level, depth)
            return modules[module, level]

        imported: dict[str, ModelDefinition] = {}
        for part in analysis.parts or [analysis]:
            names = part.part_facts.get("imported names")
            if names is None:
                nodes = part.nodes(ast.Import, ast.ImportFrom)
                names = part.part_facts["imported names"] = [
                    found for node in nodes for found in _imported_names(node)
                ]
            for local, module, name, level in names:
                target = imported_module(module, level)
                if name is not None and target is not None and name in target.models:
                    imported[local] = target.definition(name)
                    continue
                if name is not None:
                    # ``from pkg import model``: the name may be a module.
                    target = imported_module(f"{module}.{name}".strip("."), level)
                for model in target.models if target else ():
                    imported[f"{local}.{model}"] = target.definition(model)
        return replace(analysis, imported_models=imported) if imported else analysis

    def _imported_module(
        self, module: str, importer: Path | None, level: int, depth: int
    ) -> _ImportedModule | None:
        path = self.module_file(module, importer, level)
        if path is None or path == importer:
            return None
        document = self.document(path)
        if document is None:
            return None
        analysis = self.linked_analysis(document, path, depth - 1)
        return None if analysis is None else _ImportedModule(analysis, document.uri)


@dataclass
class _ImportedModule:
    analysis: ModuleAnalysis
    uri: str
    models: dict[str, FunctionInfo] = field(init=False)

    def __post_init__(self) -> None:
        self.models = {f.name: f for f in self.analysis.models}

    def definition(self, name: str) -> ModelDefinition:
        return ModelDefinition(self.analysis, self.models[name], self.uri)


def _imported_names(
    node: ast.Import | ast.ImportFrom,
) -> Iterator[tuple[str, str, str | None, int]]:
    """(local name, module, imported name or None for a module, relative level) per alias."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.asname or alias.name, alias.name, None, 0
        return
    for alias in node.names:
        if alias.name != "*":
            yield alias.asname or alias.name, node.module or "", alias.name, node.level
