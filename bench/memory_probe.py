"""numpyro-lsp over stdio, plus a thread that appends the Python heap's size to a file every
second: ``python bench/memory_probe.py PROBE.jsonl``. Each line is
``[seconds, VmRSS KiB, pymalloc blocks, gc-tracked objects, threads]``: when VmRSS grows
but the blocks and objects do not, the growth is the allocator's, not a leak of objects."""

from __future__ import annotations

import gc
import sys
import threading
import time
from pathlib import Path

from numpyro_lsp.cli import main


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def probe(path: Path, interval: float) -> None:
    began = time.perf_counter()
    with path.open("a", encoding="utf-8") as out:
        while True:
            sample = [
                round(time.perf_counter() - began, 2),
                rss_kib(),
                sys.getallocatedblocks(),
                len(gc.get_objects()),
                threading.active_count(),
            ]
            out.write(f"{sample}\n")
            out.flush()
            time.sleep(interval)


if __name__ == "__main__":
    target = Path(sys.argv.pop(1))
    threading.Thread(target=probe, args=(target, 1.0), daemon=True).start()
    sys.argv = ["numpyro-lsp"]
    sys.exit(main())
