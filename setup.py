"""Only what pyproject.toml cannot say: the build copies the snippet library into the package.

``snippets/numpyro.code-snippets`` stays the one copy in the source tree (the VS Code
extension contributes the same file); a wheel carries it as
``numpyro_lsp/snippets/numpyro.code-snippets``, where the installed server reads it.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SNIPPET_FILE = Path("snippets", "numpyro.code-snippets")


class BuildPyWithSnippets(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads snippets/ in the checkout: edits show at once
        target = Path(self.build_lib, "numpyro_lsp", "snippets", SNIPPET_FILE.name)
        self.mkpath(str(target.parent))
        self.copy_file(str(SNIPPET_FILE), str(target))


setup(cmdclass={"build_py": BuildPyWithSnippets})
