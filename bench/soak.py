"""Soak: ``python bench/soak.py [--seconds 300 --requests 10000]``.

numpyro-lsp gets random requests (completion, hover, signature help, code actions) and edits
(a fragment typed at a random place, then taken out; every edit checked at once, debounce
0) on eight schools and a 2,000-line file, paced evenly over the run, one at a time, while
its VmRSS is sampled every second. Memory is compared at rest, when nothing is in flight
(the server idle for ``--settle`` seconds, the median of five readings): once after the
warm-up and once at the end. PASS when it grew by at most 10%. Writes
bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from corpus import ROOT, big_file
from lsp_client import LspClient, LspError
from machine import load_average, run_header
from messages import code_action_params, completion_params, did_open_params, position_params
from mirror import Mirror
from scenarios import read_memory_kib, start
from servers import OURS, by_name
from stats import latency_summary

PROBE = Path(__file__).with_name("memory_probe.py")
GROWTH_LIMIT = 0.10
# A request unanswered this long counts as an error (the soak goes on).
REQUEST_TIMEOUT_S = 30.0
# Half-typed code, brackets left open, a comment that silences a rule, non-ASCII text.
FRAGMENTS = [
    "dist.",
    "dist.Normal(",
    "numpyro.sample('z', dist.",
    "(",
    "[",
    "\n",
    "# noqa: NPR012",
    "    x = jnp.exp(",
    "numpyro.plate('J', ",
    "é",
    "\n    extra = numpyro.sample('extra', dist.HalfNormal(1.0))\n",
]
KINDS = {  # weights: the mix of one editing session
    "completion": 30,
    "hover": 20,
    "signatureHelp": 15,
    "codeAction": 10,
    "edit": 25,
}
HEAP_FIELDS = ("pymalloc_blocks", "gc_objects", "threads")  # from memory_probe.py


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--seconds", type=float, default=300.0, help="how long to pace the requests over")
    add("--requests", type=int, default=10_000, help="requests and edits")
    add("--warmup", type=float, default=30.0, help="seconds before the first memory at rest")
    add("--settle", type=float, default=3.0, help="idle seconds before memory at rest")
    add("--interval", type=float, default=1.0, help="seconds between VmRSS samples")
    add("--seed", type=int, default=0)
    add(
        "--probe",
        action="store_true",
        help="run the server under memory_probe.py: the "
        "Python heap and threads too, to tell a leak of objects from allocator growth",
    )
    add("--out", type=Path, default=ROOT / "bench" / "results" / "soak.json")
    return parser.parse_args()


@dataclass(frozen=True)
class Rest:
    at_s: float
    rss_mib: float
    heap: dict[str, Any] | None  # memory_probe.py's reading after a collection (--probe)


class Soak:
    def __init__(self, client: LspClient, documents: list[Mirror], seed: int) -> None:
        self.client = client
        self.documents = documents
        self.rng = random.Random(seed)
        self.latency: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.errors: Counter[str] = Counter()

    def position(self, document: Mirror) -> tuple[int, int]:
        """A random place: after a ``dist.`` or inside a call when the line has one."""
        number = self.rng.randrange(len(document.lines))
        line = document.lines[number]
        anchors = [m.end() for m in re.finditer(r"dist\.|\(", line)]
        if anchors and self.rng.random() < 0.7:
            return number, self.rng.choice(anchors)
        return number, self.rng.randint(0, len(line))

    def params(self, kind: str, document: Mirror, line: int, character: int) -> dict[str, Any]:
        where = {"line": line, "character": character}
        if kind == "completion":
            return completion_params(document.uri, where)
        if kind == "codeAction":
            selection = {"start": {"line": line, "character": 0}, "end": where}
            return code_action_params(document.uri, selection, [])
        return position_params(document.uri, where)

    async def restore(self) -> None:
        """Take back what is typed, so that every rest finds the same documents."""
        for document in self.documents:
            if document.typed is not None:
                await self.client.notify("textDocument/didChange", document.take_back())

    async def step(self) -> None:
        document = self.rng.choice(self.documents)
        kind = self.rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        line, character = self.position(document)
        began = time.perf_counter()
        if kind == "edit":
            change = (
                document.take_back()
                if document.typed is not None
                else document.type(line, character, self.rng.choice(FRAGMENTS))
            )
            await self.client.notify("textDocument/didChange", change)
        else:
            try:
                request = self.client.request(
                    f"textDocument/{kind}", self.params(kind, document, line, character)
                )
                await asyncio.wait_for(request, REQUEST_TIMEOUT_S)
            except (LspError, TimeoutError) as error:
                self.errors[f"{kind}: {type(error).__name__} {error}"[:1000]] += 1
        self.latency[kind].append(time.perf_counter() - began)


async def at_rest(run: Soak, settle: float, began: float, probe: Path | None) -> Rest:
    """Memory once the documents are back to their first text and the server has been idle
    for ``settle`` seconds (checks finished, nothing in flight): the median of five
    readings 0.2 s apart."""
    client = run.client
    await run.restore()
    await asyncio.sleep(settle)
    readings = []
    for _ in range(5):
        readings.append(read_memory_kib(client.pid)["VmRSS"] / 1024)
        await asyncio.sleep(0.2)
    rss = statistics.median(readings)
    heap = None
    if probe is not None:  # then the live heap, after a full collection (memory_probe.py)
        request = probe.with_name(probe.name + ".collect")
        request.touch()
        while request.exists():
            await asyncio.sleep(0.1)
        heap = json.loads(probe.read_text().splitlines()[-1])
    return Rest(time.perf_counter() - began, rss, heap)


async def sample_memory(pid: int, interval: float, samples: list[tuple[float, float]]) -> None:
    began = time.perf_counter()
    while True:
        samples.append((time.perf_counter() - began, read_memory_kib(pid)["VmRSS"] / 1024))
        await asyncio.sleep(interval)


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    spec = by_name(OURS)
    samples: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        probe = root / "probe.jsonl" if args.probe else None
        if probe is not None:
            spec = replace(spec, command=(sys.executable, str(PROBE), str(probe)))
        client, _ = await start(spec, root, None)
        try:
            documents = [
                Mirror(
                    (root / "eight_schools.py").as_uri(),
                    (ROOT / "examples" / "eight_schools.py").read_text(encoding="utf-8"),
                ),
                Mirror((root / "large.py").as_uri(), big_file(2000)),
            ]
            for document in documents:
                await client.notify(
                    "textDocument/didOpen", did_open_params(document.uri, document.text)
                )
            sampler = asyncio.create_task(sample_memory(client.pid, args.interval, samples))
            run = Soak(client, documents, args.seed)
            began = time.perf_counter()
            schedule, pace = began, args.seconds / args.requests
            rests: list[Rest] = []
            for index in range(args.requests):
                if not rests and time.perf_counter() - began >= args.warmup:
                    paused = time.perf_counter()
                    rests.append(await at_rest(run, args.settle, began, probe))
                    schedule += time.perf_counter() - paused  # the pause is not load
                delay = schedule + index * pace - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await run.step()
                if client.process.returncode is not None:
                    raise RuntimeError("the server exited during the soak")
            rests.append(await at_rest(run, args.settle, began, probe))
            elapsed = time.perf_counter() - began
            sampler.cancel()
        finally:
            await client.shutdown()
    return {
        "elapsed_s": elapsed,
        "requests": {kind: len(values) for kind, values in run.latency.items()},
        "latency_ms": {kind: latency_summary(values) for kind, values in run.latency.items()},
        "errors": dict(run.errors),
        "diagnostics_published": client.notifications["textDocument/publishDiagnostics"],
        "memory": memory_summary(samples, rests[0], rests[-1]),
        "rests": [vars(rest) for rest in rests],
    }


def memory_summary(samples: list[tuple[float, float]], baseline: Rest, end: Rest) -> dict[str, Any]:
    growth = (end.rss_mib - baseline.rss_mib) / baseline.rss_mib
    return {
        "start_mib": samples[0][1],
        "baseline_mib": baseline.rss_mib,
        "end_mib": end.rss_mib,
        "max_mib": max(v for _, v in samples),
        "growth": growth,
        "pass": growth <= GROWTH_LIMIT,
        "samples": [[round(t, 2), round(v, 2)] for t, v in samples],
    }


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    memory = result["memory"]
    total = sum(result["requests"].values())
    lines = [
        f"{total} requests and edits in {result['elapsed_s']:.0f} s, the two rests included "
        f"({total / result['elapsed_s']:.1f}/s), {sum(result['errors'].values())} errors, "
        f"{result['diagnostics_published']} publishDiagnostics",
        f"{'kind':<16}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}",
    ]
    for kind, summary in result["latency_ms"].items():
        if summary:
            lines.append(
                f"{kind:<16}{summary['n']:>8}{summary['p50']:>10.2f}"
                f"{summary['p95']:>10.2f}{summary['max']:>10.1f}"
            )
    verdict = "PASS" if memory["pass"] else "FAIL"
    lines.append(
        f"VmRSS MiB: start {memory['start_mib']:.1f}, at rest after {args.warmup:g} s "
        f"{memory['baseline_mib']:.1f}, at rest at the end {memory['end_mib']:.1f}, "
        f"max {memory['max_mib']:.1f}; growth {memory['growth']:+.1%} "
        f"(limit +{GROWTH_LIMIT:.0%}) {verdict}"
    )
    first, last = result["rests"][0]["heap"], result["rests"][-1]["heap"]
    if first and last:
        lines.append(
            "live heap (after a full collection) at rest, after warm-up -> end: "
            + ", ".join(f"{name} {first[name]:,} -> {last[name]:,}" for name in HEAP_FIELDS)
        )
        grown = Counter(last["types"])
        grown.subtract(first["types"])
        most = [f"{name} {count:+,}" for name, count in grown.most_common(8) if count > 0]
        lines.append("types that grew most: " + ", ".join(most))
    return "\n".join(lines)


def main() -> int:
    args = parse_args()
    load_before = load_average()
    result = asyncio.run(soak(args))
    document = {
        **run_header(args),
        "load_average": {"before": load_before, "after": load_average()},
        **result,
    }
    print(render(result, args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out} (load average before {load_before[0]:.2f}, "
        f"after {document['load_average']['after'][0]:.2f})"
    )
    return 0 if result["memory"]["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
