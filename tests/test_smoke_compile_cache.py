"""The smoke worker's sampler and JAX's persistent compilation cache (smoke/chunked_sampler.py,
smoke/compile_cache.py): the chunked sampler draws from the posterior; a
fresh worker reads the compiled sampler back from the cache; a corrupt or unwritable cache
never breaks a run."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest

from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.settings import SmokeSettings
from numpyro_lsp.smoke import compile_cache
from numpyro_lsp.smoke.chunked_sampler import ChunkedSampler
from numpyro_lsp.smoke.pipeline import run_smoke_test
from numpyro_lsp.smoke.runner import SmokeRunner

CATALOG = load_catalog().catalog
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "eight_schools.py"
SETTINGS = SmokeSettings(warmup=100, samples=100, chains=2, timeout_s=120)


def conjugate_model(unused, y):
    mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
    numpyro.sample("y", dist.Normal(mu, 1.0), obs=y)


def sampler_of(model, y, *, samples: int, chains: int, size: int) -> ChunkedSampler:
    """50 warmup iterations of ``model(unused, y)`` on this process's first device."""
    return ChunkedSampler(
        model,
        (y,),
        {},
        dynamic=jnp.zeros(0),
        warmup=50,
        samples=samples,
        chains=chains,
        size=size,
        device=jax.devices()[0],
    )


def test_the_chunked_sampler_draws_from_the_posterior():
    """NUTS with MCMC's keys per chain; not the same floats as numpyro's MCMC (XLA rounds a
    jitted init differently from an eager one, and a trajectory amplifies it), so the check
    is on the posterior: Normal(mu, 1) data with a wide prior."""
    y = np.random.default_rng(0).normal(3.0, 1.0, size=50).astype(np.float32)
    precision = 1 / 10.0**2 + len(y)
    mean, sd = y.sum() / precision, precision**-0.5
    # Chunks of 7 divide neither 50 nor 400: each phase ends with a short chunk.
    sampler = sampler_of(conjugate_model, y, samples=400, chains=2, size=7)
    seen = []
    run = sampler.run(3, jnp.zeros(0), seen.append)
    assert [(c.start, c.stop) for c in seen][6:8] == [(42, 49), (49, 50)]
    assert seen[-1].stop == 450 and len(seen) == 8 + 58
    draws = run.samples["mu"]
    assert draws.shape == (2, 400) and run.diverging.shape == (2, 400)
    assert not run.diverging.any() and np.isfinite(run.step_size).all()
    assert not np.array_equal(draws[0], draws[1])  # a key per chain
    for chain in draws:
        assert abs(chain.mean() - mean) < 4 * sd / np.sqrt(100)
        assert 0.7 * sd < chain.std() < 1.3 * sd
    # The seed decides the draws.
    again = sampler.run(3, jnp.zeros(0), lambda chunk: None)
    np.testing.assert_array_equal(again.samples["mu"], draws)


def model_with_a_param(unused, y):
    # bdatko/numpyro_play's naive Bayes: a ``numpyro.param`` next to the latent sites, which
    # MCMC holds at its initial value.
    scale = numpyro.param("scale", jnp.ones(()) * 2.0, constraint=dist.constraints.positive)
    mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
    numpyro.sample("y", dist.Normal(mu, scale), obs=y)


def test_a_model_with_a_param_site_is_sampled_with_the_param_held():
    y = np.random.default_rng(1).normal(3.0, 2.0, size=40).astype(np.float32)
    sampler = sampler_of(model_with_a_param, y, samples=200, chains=1, size=25)
    run = sampler.run(0, jnp.zeros(0), lambda chunk: None)
    # Held at 2: the posterior of mu is the conjugate one with that scale.
    precision = 1 / 10.0**2 + len(y) / 2.0**2
    mean, sd = (y.sum() / 2.0**2) / precision, precision**-0.5
    assert set(run.samples) == {"mu"}
    assert abs(run.samples["mu"].mean() - mean) < 4 * sd / np.sqrt(50)


def smoke_in_fresh_worker(path: Path) -> dict:
    runner = SmokeRunner()
    try:
        report = run_smoke_test(
            runner,
            path.read_text(),
            str(path),
            "eight_schools",
            SETTINGS,
            CATALOG,
            threading.Event(),
        )
    finally:
        runner.close()
    assert report.verdict in ("pass", "warn"), report.details
    return {
        "report": report,
        "means": {name: site.mean for name, site in report.sites.items()},
        "cache_line": next(
            line for line in report.details.splitlines() if line.startswith("compilation cache")
        ),
    }


def chunk_entries(folder: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if "_chunk_chain-" in p.name}


def test_a_fresh_worker_reads_the_compiled_sampler_from_the_cache(tmp_path, monkeypatch):
    folder = tmp_path / "jax-cache"
    monkeypatch.setenv("NUMPYRO_LSP_COMPILE_CACHE", str(folder))
    first = smoke_in_fresh_worker(EXAMPLE)
    assert first["cache_line"] == f"compilation cache: {folder}"
    written = chunk_entries(folder)
    assert len(written) == 1, sorted(p.name for p in folder.iterdir())
    second = smoke_in_fresh_worker(EXAMPLE)
    # A hit reads the entry (a miss would write another, or write it again).
    assert chunk_entries(folder) == written
    assert second["means"] == first["means"]
    assert second["report"].step_size == first["report"].step_size


def test_a_corrupt_cache_is_a_miss_not_a_failure(tmp_path, monkeypatch):
    folder = tmp_path / "jax-cache"
    monkeypatch.setenv("NUMPYRO_LSP_COMPILE_CACHE", str(folder))
    clean = smoke_in_fresh_worker(EXAMPLE)
    for entry in folder.iterdir():
        if entry.is_file():
            entry.write_bytes(b"\x00not a compiled program" * 3)
    corrupt = smoke_in_fresh_worker(EXAMPLE)
    assert corrupt["means"] == clean["means"]
    assert corrupt["report"].verdict == clean["report"].verdict
    assert not [f for f in corrupt["report"].findings if "cache" in f.message]


def test_a_cache_folder_that_cannot_be_written_leaves_the_cache_off(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NUMPYRO_LSP_COMPILE_CACHE", str(blocker / "jax-cache"))
    result = smoke_in_fresh_worker(EXAMPLE)
    assert result["cache_line"].startswith("compilation cache: off (")
    assert "cannot be written" in result["cache_line"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_cache_folder_leaves_the_cache_off(tmp_path, monkeypatch):
    folder = tmp_path / "jax-cache"
    folder.mkdir()
    folder.chmod(0o555)
    monkeypatch.setenv("NUMPYRO_LSP_COMPILE_CACHE", str(folder))
    result = smoke_in_fresh_worker(EXAMPLE)
    assert "cannot be written" in result["cache_line"]


def test_the_cache_is_trimmed_to_its_size_oldest_first(tmp_path):
    for age, name in enumerate(["newest", "middle", "oldest"]):
        path = tmp_path / name
        path.write_bytes(b"x" * 100)
        os.utime(path, (1_000_000 - age, 1_000_000 - age))
    compile_cache.trim(str(tmp_path), 250)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["middle", "newest"]


def test_the_cache_is_used_from_jax_0_10_on(monkeypatch, tmp_path):
    monkeypatch.setattr(compile_cache.jax, "__version__", "0.5.3")
    assert compile_cache.enable(str(tmp_path)).startswith("off (jax 0.5.3")
    assert compile_cache.enable(compile_cache.OFF) == "off"
