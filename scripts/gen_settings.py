"""Write the settings tree of server/numpyro_lsp/settings.py out: the VS Code extension's
``contributes.configuration`` (in vscode-extension/package.json) and docs/settings.md.

    python scripts/gen_settings.py

tests/test_settings.py fails while either differs from the tree.
"""

from __future__ import annotations

import json
from pathlib import Path

from numpyro_lsp.settings_docs import settings_markdown, vscode_configuration

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_JSON = ROOT / "vscode-extension" / "package.json"
SETTINGS_MD = ROOT / "docs" / "settings.md"


def package_json_text() -> str:
    """package.json with its configuration section made from the tree (2-space JSON, as npm
    writes it)."""
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    package["contributes"]["configuration"] = vscode_configuration()
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    PACKAGE_JSON.write_text(package_json_text(), encoding="utf-8")
    SETTINGS_MD.write_text(settings_markdown(), encoding="utf-8")
    print(f"wrote {PACKAGE_JSON.relative_to(ROOT)} and {SETTINGS_MD.relative_to(ROOT)}")
