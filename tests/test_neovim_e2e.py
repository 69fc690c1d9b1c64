"""numpyro-lsp in a real Neovim: Debian 12's Neovim 0.7.2 (installed by ``scripts/test.sh``),
headless, configured with the snippet of docs/editors.md, and driven by ``tests/neovim/walk.lua``
through a half-typed eight-schools file. ``NUMPYRO_LSP_SKIP_E2E=1`` skips it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ALIASED, ROOT, UNFINISHED_FUNCTION

pytestmark = pytest.mark.skipif(
    os.environ.get("NUMPYRO_LSP_SKIP_E2E") == "1",
    reason="NUMPYRO_LSP_SKIP_E2E=1 asks to skip the editors' end-to-end tests",
)


def documented_neovim_07_config() -> str:
    """The Lua block docs/editors.md gives for Neovim 0.7."""
    docs = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    section = docs[docs.index("Neovim 0.7 (Debian 12's package)") :]
    return re.search(r"```lua\n(.*?)```", section, re.DOTALL).group(1)


def test_neovim_07_keeps_findings_actions_and_site_names_with_an_unfinished_line(tmp_path):
    nvim = shutil.which("nvim")
    assert nvim, "Neovim is missing: scripts/test.sh installs Debian's package"
    model = tmp_path / "schools.py"
    model.write_text(ALIASED + UNFINISHED_FUNCTION, encoding="utf-8")
    lines = model.read_text(encoding="utf-8").splitlines()
    theta = next(n for n, line in enumerate(lines) if 'numpyro.sample("theta"' in line)
    spec = {
        "file": str(model),
        "out": str(tmp_path / "seen.json"),
        "timeout_ms": 20_000,
        "action_line": theta,
        "action_character": lines[theta].index("theta") + 1,
        "appended": [
            "",
            "from numpyro.handlers import condition",
            'conditioned = condition(eight_schools, data={"th',
        ],
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    (tmp_path / "init.lua").write_text(documented_neovim_07_config(), encoding="utf-8")
    environment = {
        **os.environ,
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "NUMPYRO_LSP_WALK": str(tmp_path / "spec.json"),
    }
    run = subprocess.run(
        [
            nvim,
            "--headless",
            "-u",
            str(tmp_path / "init.lua"),
            "-c",
            f"luafile {ROOT / 'tests' / 'neovim' / 'walk.lua'}",
        ],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (tmp_path / "seen.json").exists(), run.stdout + run.stderr
    seen = json.loads((tmp_path / "seen.json").read_text(encoding="utf-8"))
    assert "error" not in seen, seen["error"]
    assert seen["attached"] == ["numpyro_lsp"]
    width = next(n for n, line in enumerate(lines) if "HalfNormal(-1.0)" in line)
    found = sorted((d["code"], d["line"]) for d in seen["diagnostics"])
    assert found == [("NPR011", width), ("NPR012", theta)]
    assert seen["actions"] == [
        "Non-center `theta` with LocScaleReparam",
        "Non-center `theta` with TransformReparam (explicit affine form)",
        "Non-center all hierarchical sites of `eight_schools` with LocScaleReparam",
    ]
    assert {"mu", "tau", "theta", "obs"} <= set(seen["completion"])
    assert seen["edit_published"], "no findings were published for the edited text"
    assert sorted((d["code"], d["line"]) for d in seen["after_edit"]) == found
