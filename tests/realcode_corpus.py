"""The real-code corpus: NumPyro code that other people wrote, brought from PyPI by pip at
test time and cached outside the repository (none of it is committed).

``tests/realcode/manifest.toml`` pins each distribution (name, version, sha256, license)
and lists the files taken from it. ``python tests/realcode_corpus.py`` fetches the corpus
and prints the folder it lives in.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

MANIFEST = Path(__file__).parent / "realcode" / "manifest.toml"


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str
    dist: str  # "sdist" or "wheel"
    filename: str
    sha256: str
    license: str
    files: tuple[str, ...]

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"


def distributions() -> list[Distribution]:
    table = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    return [Distribution(**{**p, "files": tuple(p["files"])}) for p in table["package"]]


def cache_root() -> Path:
    explicit = os.environ.get("NUMPYRO_LSP_CORPUS_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "numpyro-lsp" / "corpus"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _download(dist: Distribution, downloads: Path) -> Path:
    archive = downloads / dist.filename
    if archive.is_file() and _sha256(archive) == dist.sha256:
        return archive
    binary = "--no-binary" if dist.dist == "sdist" else "--only-binary"
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    command += [binary, ":all:", "--dest", str(downloads), f"{dist.name}=={dist.version}"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    found = _sha256(archive)
    if found != dist.sha256:
        raise RuntimeError(f"{dist.filename}: sha256 {found}, the manifest pins {dist.sha256}")
    return archive


def _members(archive: Path, dist: Distribution) -> dict[str, bytes]:
    """The manifest's files out of the archive, by their path inside the distribution."""
    wanted = set(dist.files)
    found: dict[str, bytes] = {}
    if dist.dist == "sdist":
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                inner = member.name.split("/", 1)[-1]  # an sdist's top folder left out
                if member.isfile() and inner in wanted:
                    found[inner] = tar.extractfile(member).read()
    else:
        with zipfile.ZipFile(archive) as wheel:
            found = {name: wheel.read(name) for name in wheel.namelist() if name in wanted}
    missing = wanted - found.keys()
    if missing:
        raise RuntimeError(f"{dist.filename} lacks {sorted(missing)[:3]}")
    return found


def fetch_corpus(root: Path | None = None) -> Path:
    """The corpus folder, one subfolder per distribution; fetched once, then reused."""
    root = root or cache_root()
    files = root / "files"
    downloads = root / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    for dist in distributions():
        target = files / dist.folder
        done = target / ".complete"
        if done.is_file() and done.read_text() == dist.sha256:
            continue
        shutil.rmtree(target, ignore_errors=True)
        for inner, data in _members(_download(dist, downloads), dist).items():
            path = target / inner
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        done.write_text(dist.sha256)
    return files


if __name__ == "__main__":
    print(fetch_corpus())
