"""NUTS in chunks: the smoke worker's sampler, run in the project's interpreter.

The same draws as ``MCMC(NUTS(model), chain_method="vectorized").run(key, ...)`` (the same
key per chain, the same steps; constrained as the model has them where numpyro would keep a
support of the first trace: ``holds_init_values``), compiled as two functions of one chain:
``init`` (its first state) and ``chunk`` (up to ``size`` NUTS steps, with the draws they
make). Python calls ``chunk`` for each chain in turn until the run is done, and reports
progress and looks for a cancel between two calls. Neither function holds a host callback,
whose address would be part of jax's cache key: both can come from JAX's persistent
compilation cache (``compile_cache.py``) in a fresh worker.

One chain is compiled, not a batch of them: with a warm cache what is left of a cold start is
mostly tracing, and vectorizing NUTS doubles it (a smoke test's chains are few and short).

Imports jax and numpyro; handed to the project's interpreter with the worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax, random
from numpyro.handlers import seed, substitute, trace
from numpyro.infer import NUTS, DiscreteHMCGibbs
from numpyro.infer.util import constrain_fn, transform_fn
from numpyro.primitives import Messenger


@dataclass(frozen=True)
class Chunk:
    """What one call of ``chunk`` did: the iterations it ran (``start`` is 0-based) and,
    for sampling iterations, the draws."""

    start: int
    stop: int


@dataclass
class ChunkedRun:
    samples: dict[str, np.ndarray]  # site -> (chains, draws, ...)
    diverging: np.ndarray  # (chains, draws)
    accept_prob: np.ndarray  # (chains, draws)
    energy: np.ndarray  # (chains, draws)
    step_size: np.ndarray  # (chains,)


def holds_init_values(postprocess: Callable) -> bool:
    """Whether numpyro's post-processing constrains draws with transforms that hold values
    of another trace (``init``'s): those of a support it took for a fixed one. Called while
    ``chunk`` is traced, where no value of its own trace is in those transforms."""
    if not (isinstance(postprocess, partial) and postprocess.func is transform_fn):
        return False  # the model run again on each draw (numpyro's own choice): nothing held
    return any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree.leaves(postprocess.args))


class ParamSites(Messenger):
    """Notes whether the model has ``param`` or ``mutable`` sites (``numpyro.param``, a
    ``flax_module``'s weights), as a trace of it runs."""

    def __init__(self, fn: Callable) -> None:
        super().__init__(fn)
        self.seen = False

    def process_message(self, msg: dict) -> None:
        if msg["type"] in ("param", "mutable"):
            self.seen = True


def fixed_params(model: Callable, args: tuple, kwargs: dict) -> dict[str, Any]:
    """The values of the model's ``param`` and ``mutable`` sites in one trace of it run
    eagerly, as MCMC holds them (its ``init`` takes them from its first trace)."""
    model_trace = trace(seed(model, rng_seed=0)).get_trace(*args, **kwargs)
    return {
        name: site["value"]
        for name, site in model_trace.items()
        if site["type"] in ("param", "mutable")
    }


def hmc_state(state: Any) -> Any:
    """NUTS's own state: ``DiscreteHMCGibbs`` holds it beside the discrete sites."""
    return getattr(state, "hmc_state", state)


class ChunkedSampler:
    """``warmup`` + ``samples`` NUTS iterations of ``chains`` chains, ``size`` iterations per
    compiled call (warmup and sampling never share a call), of ``model(dynamic, *args,
    **kwargs)``: ``args`` and ``kwargs`` are compiled in, ``dynamic`` (an array, shaped like
    the one given here) is an argument of each run (the advisor's centering, say). With
    ``gibbs`` (its options), NUTS runs inside ``DiscreteHMCGibbs``, which updates the
    discrete sites between NUTS steps, as the file samples the model."""

    def __init__(
        self,
        model: Callable,
        args: tuple,
        kwargs: dict,
        *,
        dynamic: Any,
        warmup: int,
        samples: int,
        chains: int,
        size: int,
        device: Any,
        gibbs: dict[str, Any] | None = None,
    ) -> None:
        self.warmup, self.samples, self.chains, self.size = warmup, samples, chains, size
        self.device = device

        def kernel(model: Callable) -> Any:
            inner = NUTS(model)
            return inner if gibbs is None else DiscreteHMCGibbs(inner, **gibbs)

        watched = ParamSites(model)
        self._kernel = kernel(watched)
        self._args, self._kwargs = args, kwargs
        key = random.PRNGKey(0)
        with jax.default_device(device):
            # ``init`` first, traced once: tracing it sets the kernel up (its potential, its
            # sample step).
            lowered = jax.jit(self._init_chain).lower(key, dynamic)
            if watched.seen:
                # numpyro samples the model with its param values from ``init``'s trace
                # substituted: values of a trace ``chunk`` is not part of (jax 0.10 then
                # compiles ``chunk`` for arguments it is never given). Fixed beforehand, they
                # are constants of both.
                params = fixed_params(model, (dynamic, *args), kwargs)
                self._kernel = kernel(substitute(model, data=params))
                lowered = jax.jit(self._init_chain).lower(key, dynamic)
            self._init = lowered.compile()
            # jax before 0.4.31 has no ``out_info``: run ``init`` once for the shapes.
            state = getattr(lowered, "out_info", None) or self._init(key, dynamic)
            self._chunk = (
                jax.jit(self._chunk_chain).lower(state, jnp.int32(size), dynamic).compile()
            )

    # --- traced -------------------------------------------------------------------------

    def _init_chain(self, key, dynamic):
        # ``dynamic`` goes in as a model argument: NUTS's sample step takes the model's
        # arguments anew at each call, so no value of this trace is kept for the next.
        return self._kernel.init(
            key, self.warmup, None, model_args=(dynamic, *self._args), model_kwargs=self._kwargs
        )

    def _chunk_chain(self, state, steps, dynamic):
        args = (dynamic, *self._args)
        postprocess = self._kernel.postprocess_fn(args, self._kwargs)
        if holds_init_values(postprocess):
            # A support that depends on a sampled value, which numpyro took for a fixed one
            # (0.22: ``less_than(high)`` with ``high`` sampled): its transform holds a value of
            # ``init``'s trace. The model run again on each draw gives the support it has there.
            postprocess = partial(
                constrain_fn, self._kernel.model, args, self._kwargs, return_deterministic=True
            )

        def draw(s):
            nuts = hmc_state(s)
            return postprocess(s.z), nuts.diverging, nuts.accept_prob, nuts.energy

        shapes = jax.eval_shape(draw, state)
        buffers = jax.tree.map(lambda s: jnp.zeros((self.size, *s.shape), s.dtype), shapes)

        def body(i, carry):
            s, kept = carry
            s = self._kernel.sample(s, args, self._kwargs)
            kept = jax.tree.map(lambda b, v: b.at[i].set(v), kept, draw(s))
            return s, kept

        return lax.fori_loop(0, steps, body, (state, buffers))

    # --- run ----------------------------------------------------------------------------

    def chunks(self) -> Iterator[Chunk]:
        """The calls a run makes: warmup in chunks of ``size``, then sampling."""
        for first, last in ((0, self.warmup), (self.warmup, self.warmup + self.samples)):
            for start in range(first, last, self.size):
                yield Chunk(start, min(start + self.size, last))

    def run(self, seed: int, dynamic: Any, after_chunk: Callable[[Chunk], None]) -> ChunkedRun:
        """All iterations; ``after_chunk`` is called after each chunk of every chain (it may
        raise to stop)."""
        # As MCMC.run: one key per chain, or the key itself for one chain.
        key = random.PRNGKey(seed)
        keys = random.split(key, self.chains) if self.chains > 1 else key[None]
        kept: list[list[Any]] = [[] for _ in range(self.chains)]
        with jax.default_device(self.device):
            states = [self._init(k, dynamic) for k in keys]
            for chunk in self.chunks():
                steps = jnp.int32(chunk.stop - chunk.start)
                for chain in range(self.chains):
                    states[chain], draws = self._chunk(states[chain], steps, dynamic)
                    if chunk.start >= self.warmup:
                        kept[chain].append((draws, chunk.stop - chunk.start))
                jax.block_until_ready(states)
                after_chunk(chunk)
            kept = jax.device_get(kept)
            step_size = np.array([float(hmc_state(s).adapt_state.step_size) for s in states])
        # Each chain's draws in order (at least one chunk: a run has one draw at least), then
        # the chains stacked: (chains, draws, ...).
        chains = [
            jax.tree.map(
                lambda *parts: np.concatenate(parts),
                *[jax.tree.map(lambda b, n=n: b[:n], d) for d, n in parts],
            )
            for parts in kept
        ]
        samples, diverging, accept_prob, energy = jax.tree.map(lambda *c: np.stack(c), *chains)
        return ChunkedRun(dict(samples), diverging, accept_prob, energy, step_size)
