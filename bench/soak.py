"""Soak: ``python bench/soak.py [--seconds 300 --requests 10000]``.

numpyro-lsp gets random requests (completion, hover, signature help, code actions) and edits
(a fragment typed at a random place, then taken out; every edit checked at once, debounce
0) on eight schools and a 2,000-line file, paced evenly over the run, while its VmRSS is
sampled every second. Growth is measured after a warm-up, between the median of the first
ten samples after it and the median of the last ten: PASS when it is at most 10%. Writes
bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from corpus import ROOT, big_file
from lsp_client import LspClient, LspError
from machine import load_average, machine, versions
from messages import code_action_params, completion_params, did_open_params, position_params
from mirror import Mirror
from scenarios import read_memory_kib, start
from servers import OURS, by_name
from stats import latency_summary

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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="how long to pace over")
    parser.add_argument("--requests", type=int, default=10_000, help="requests and edits")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds left out of growth")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "soak.json")
    return parser.parse_args()


class Soak:
    def __init__(self, client: LspClient, documents: list[Mirror], rng: random.Random) -> None:
        self.client = client
        self.documents = documents
        self.rng = rng
        self.latency: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.errors: Counter[str] = Counter()

    def position(self, document: Mirror) -> tuple[int, int, str]:
        """A random place: after a ``dist.`` or inside a call when the line has one."""
        number = self.rng.randrange(len(document.lines))
        line = document.lines[number]
        anchors = [m.end() for m in re.finditer(r"dist\.|\(", line)]
        if anchors and self.rng.random() < 0.7:
            return number, self.rng.choice(anchors), line
        return number, self.rng.randint(0, len(line)), line

    async def step(self) -> None:
        document = self.rng.choice(self.documents)
        kind = self.rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        line, character, text = self.position(document)
        where = {"line": line, "character": character}
        began = time.perf_counter()
        if kind == "edit":
            change = (
                document.take_back()
                if document.typed is not None
                else document.type(line, character, self.rng.choice(FRAGMENTS))
            )
            await self.client.notify("textDocument/didChange", change)
        else:
            params = {
                "completion": lambda: completion_params(document.uri, where),
                "hover": lambda: position_params(document.uri, where),
                "signatureHelp": lambda: position_params(document.uri, where),
                "codeAction": lambda: code_action_params(
                    document.uri,
                    {"start": {"line": line, "character": 0}, "end": where},
                    [],
                ),
            }[kind]()
            try:
                request = self.client.request(f"textDocument/{kind}", params)
                await asyncio.wait_for(request, REQUEST_TIMEOUT_S)
            except (LspError, TimeoutError) as error:
                self.errors[f"{kind}: {type(error).__name__} {error}"[:200]] += 1
        self.latency[kind].append(time.perf_counter() - began)


async def sample_memory(pid: int, interval: float, samples: list[tuple[float, int]]) -> None:
    began = time.perf_counter()
    while True:
        samples.append((time.perf_counter() - began, read_memory_kib(pid)["VmRSS"]))
        await asyncio.sleep(interval)


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    spec = by_name(OURS)
    samples: list[tuple[float, int]] = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
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
            run = Soak(client, documents, rng)
            began = time.perf_counter()
            pace = args.seconds / args.requests
            for index in range(args.requests):
                delay = began + index * pace - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await run.step()
                if client.process.returncode is not None:
                    raise RuntimeError("the server exited during the soak")
            await client.request(
                "textDocument/hover", position_params(documents[0].uri, {"line": 0, "character": 0})
            )
            elapsed = time.perf_counter() - began
            samples.append((elapsed, read_memory_kib(client.pid)["VmRSS"]))
            sampler.cancel()
        finally:
            await client.shutdown()
    return {
        "elapsed_s": elapsed,
        "requests": {kind: len(values) for kind, values in run.latency.items()},
        "latency_ms": {kind: latency_summary(values) for kind, values in run.latency.items()},
        "errors": dict(run.errors),
        "diagnostics_published": client.notifications["textDocument/publishDiagnostics"],
        "memory": memory_summary(samples, args.warmup),
    }


def memory_summary(samples: list[tuple[float, int]], warmup: float) -> dict[str, Any]:
    mib = [(t, kib / 1024) for t, kib in samples]
    after = [v for t, v in mib if t >= warmup] or [mib[-1][1]]
    baseline = statistics.median(after[:10])
    end = statistics.median(after[-10:])
    growth = (end - baseline) / baseline
    return {
        "start_mib": mib[0][1],
        "baseline_mib": baseline,
        "end_mib": end,
        "max_mib": max(v for _, v in mib),
        "growth": growth,
        "pass": growth <= GROWTH_LIMIT,
        "samples": [[round(t, 2), round(v, 2)] for t, v in mib],
    }


def render(result: dict[str, Any], warmup: float) -> str:
    memory = result["memory"]
    total = sum(result["requests"].values())
    lines = [
        f"{total} requests and edits in {result['elapsed_s']:.0f} s "
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
        f"VmRSS MiB: start {memory['start_mib']:.1f}, after {warmup:g} s warm-up "
        f"{memory['baseline_mib']:.1f}, end {memory['end_mib']:.1f}, max {memory['max_mib']:.1f}; "
        f"growth {memory['growth']:+.1%} (limit +{GROWTH_LIMIT:.0%}) {verdict}"
    )
    return "\n".join(lines)


def main() -> int:
    args = parse_args()
    load_before = load_average()
    result = asyncio.run(soak(args))
    document = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "load_average": {"before": load_before, "after": load_average()},
        **result,
    }
    print(render(result, args.warmup))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out} (load average before {load_before[0]:.2f}, "
        f"after {document['load_average']['after'][0]:.2f})"
    )
    return 0 if result["memory"]["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
