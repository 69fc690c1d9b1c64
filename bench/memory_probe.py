"""numpyro-lsp over stdio, plus a thread that appends the Python heap's size to a file every
second: ``python bench/memory_probe.py PROBE.jsonl``. Each line is a JSON object: seconds,
VmRSS, pymalloc blocks and threads.

When a file ``PROBE.jsonl.collect`` appears (``soak.py --probe`` makes it while the server
is idle), the thread runs a full collection first and adds the number of gc-tracked objects
and the most common types among them, then removes the file: the live heap, without garbage
waiting for a collection, which is where a leak would show. Objects are only counted then:
``gc.get_objects()`` while another thread builds a tuple can break that thread
(``SystemError: bad argument to internal function``)."""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from numpyro_lsp.cli import main

TYPES = 40  # how many of the most common types a collected line lists


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def live_heap() -> dict[str, Any]:
    gc.collect()
    objects = gc.get_objects()
    types = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in objects)
    return {"gc_objects": len(objects), "types": dict(types.most_common(TYPES))}


def probe(path: Path, interval: float) -> None:
    began = time.perf_counter()
    request = path.with_name(path.name + ".collect")
    with path.open("a", encoding="utf-8") as out:
        while True:
            collected = live_heap() if request.exists() else {}
            sample = {
                "s": round(time.perf_counter() - began, 2),
                "rss_kib": rss_kib(),
                "pymalloc_blocks": sys.getallocatedblocks(),
                "threads": threading.active_count(),
                **collected,
            }
            out.write(json.dumps(sample) + "\n")
            out.flush()
            if collected:
                request.unlink()
            time.sleep(interval)


if __name__ == "__main__":
    target = Path(sys.argv.pop(1))
    threading.Thread(target=probe, args=(target, 1.0), daemon=True).start()
    sys.argv = ["numpyro-lsp"]
    sys.exit(main())
