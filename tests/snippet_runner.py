"""Runs NumPyro programs one after another in this process, so jax and numpyro are imported
once: ``python snippet_runner.py PROGRAMS.json RESULTS.json``.

PROGRAMS.json is a list of ``{"name": ..., "source": ...}``, run in that order, each as
``__main__`` in a fresh namespace, in a scratch working directory. RESULTS.json gets, per
name, ``{"error": traceback or null, "seconds": ...}``. The programs run as written except
that MCMC and SVI iteration counts are capped (tiny settings), without progress bars.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import jax
from numpyro import infer

MAX_WARMUP = 20
MAX_SAMPLES = 20
MAX_SVI_STEPS = 50


class TinyMCMC(infer.MCMC):
    def __init__(self, sampler, *, num_warmup, num_samples, **kwargs):
        kwargs["progress_bar"] = False
        super().__init__(
            sampler,
            num_warmup=min(num_warmup, MAX_WARMUP),
            num_samples=min(num_samples, MAX_SAMPLES),
            **kwargs,
        )


class TinySVI(infer.SVI):
    def run(self, rng_key, num_steps, *args, **kwargs):
        kwargs["progress_bar"] = False
        return super().run(rng_key, min(num_steps, MAX_SVI_STEPS), *args, **kwargs)


def run_program(name: str, source: str) -> dict:
    start = time.perf_counter()
    error = None
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, f"<{name}>", "exec"), {"__name__": "__main__"})
    except BaseException:
        error = traceback.format_exc()
    finally:
        # A program may switch JAX to 64-bit floats; the next one starts from the default.
        jax.config.update("jax_enable_x64", False)
    return {"error": error, "seconds": round(time.perf_counter() - start, 2)}


def main(programs_path: str, results_path: str) -> None:
    programs = json.loads(Path(programs_path).read_text())
    # ``from numpyro.infer import MCMC`` in a program reads these.
    infer.MCMC = TinyMCMC
    infer.SVI = TinySVI
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        for program in programs:
            results[program["name"]] = run_program(program["name"], program["source"])
    Path(results_path).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
