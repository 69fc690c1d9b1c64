"""Each rule on what it must flag (at the right line and column) and on the near-misses it
must leave alone."""

from __future__ import annotations

import gc
import textwrap
import weakref

import pytest

from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules.base import Severity
from numpyro_lsp.rules.engine import RuleSettings, check_source

CATALOG = read_catalog(shipped_catalog_path())
HEADER = """\
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro import handlers
from numpyro.infer import MCMC, NUTS, SVI, DiscreteHMCGibbs, Predictive, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.infer.reparam import LocScaleReparam
"""


def run(body: str, code: str) -> tuple[str, list]:
    source = HEADER + textwrap.dedent(body)
    settings = RuleSettings(select=frozenset({code}))
    return source, check_source(source, CATALOG, settings)


def position(source: str, marker: str) -> tuple[int, int]:
    """1-based line and 0-based column of a marker in the source (of its ``|`` if it has one)."""
    index = source.index(marker.replace("|", "")) + max(marker.find("|"), 0)
    return source.count("\n", 0, index) + 1, index - (source.rfind("\n", 0, index) + 1)


FLAGGED = [
    (
        "NPR006",
        "def h():\n    numpyro.sample('a', dist.Normal(0, 1))\n"
        "def m():\n    h()\n    x = h()\nk = NUTS(m)\n",
        "x = |h()",
    ),
    (
        "NPR021",
        "svi = SVI(m, AutoNormal(m), None, Trace_ELBO())\n"
        "params, losses = svi.run(random.PRNGKey(0), 10)\n",
        "|params, losses",
    ),
    (
        # An ``except`` that lets the AssertionError through.
        "NPR022",
        "def h():\n    return numpyro.sample('a', dist.Normal(0, 1))\n"
        "try:\n    x = 2 * h()\nexcept KeyError:\n    pass\n",
        "2 * |h()",
    ),
    (
        "NPR022",
        "def h():\n    return numpyro.sample('a', dist.Normal(0, 1))\ndef main():\n"
        "    return 2 * h()\nif __name__ == '__main__':\n    main()\n",
        "2 * |h()",
    ),
    ("NPR001", 'x = numpyro.sample("x", dist.Normal(0, 1))\n', "numpyro.sample("),
    (
        "NPR001",
        'with handlers.trace() as tr:\n    x = numpyro.sample("x", dist.Normal(0, 1))\n',
        "numpyro.sample(",
    ),
    (
        "NPR002",
        "def m(X):\n    beta = numpyro.sample('b', dist.Normal(0, 1))\n"
        "    numpyro.sample('y', dist.Normal(np.dot(X, beta), 1), obs=1.0)\n",
        "np.dot(",
    ),
    (
        "NPR002",
        "def m():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        "    z = jnp.exp(mu)\n    w = np.array([z, 1.0])\n",
        "np.array(",
    ),
    (
        "NPR003",
        "def m():\n    numpyro.sample('x', dist.Normal(np.random.rand(), 1))\n",
        "np.random",
    ),
    (
        "NPR004",
        "import torch\ndef m():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        "    return torch.exp(mu)\n",
        "torch.exp(mu)",
    ),
    ("NPR004", "def m(x):\n    numpyro.sample('x', dist.Normal(0, 1))\n    x.cuda()\n", "x.cuda()"),
    (
        # Below the import that takes the name over, the name is Pyro's.
        "NPR004",
        "import pyro.distributions as dist\n"
        "def m():\n    numpyro.sample('mu', dist.Normal(0, 1))\n",
        "dist.Normal(0, 1)",
    ),
    (
        "NPR005",
        "def m(units):\n    numpyro.sample('a', dist.Normal(0, 1))\n"
        "    if jnp.max(units) > 100:\n        pass\n",
        "jnp.max(units) > 100",
    ),
    (
        "NPR005",
        "def m():\n    k = numpyro.sample('k', dist.Normal(3, 1))\n    for i in range(k):\n"
        "        pass\n",
        "range(k)",
    ),
    (
        "NPR005",
        "def m():\n    t = numpyro.sample('t', dist.Normal(0, 1))\n    s = 1.0 if t > 0 else 2.0\n",
        "t > 0",
    ),
    (
        "NPR005",
        "def m():\n    t = numpyro.sample('t', dist.Normal(0, 1))\n    n = int(t * 2)\n",
        "int(t * 2)",
    ),
    (
        # A name bound to a list in one place and to a draw in another is no container.
        "NPR005",
        "def m(flag):\n    t = []\n    if flag:\n"
        "        t = numpyro.sample('t', dist.Normal(0, 1))\n    if t:\n        pass\n",
        "if |t:",
    ),
    (
        # banditkings/learning-causal-impact's bsts notebook: a scan body branching on its
        # time index, which ``scan`` traces even where the model runs eagerly.
        "NPR005",
        "from numpyro.contrib.control_flow import scan\n"
        "def m(T):\n    def step(carry, t):\n        if t < 4:\n            carry = carry + 1\n"
        "        return carry, None\n    scan(step, 0.0, jnp.arange(T))\n",
        "t < 4",
    ),
    (
        "NPR005",
        "import jax\ndef body(i, value):\n    return value + 1 if i > 3 else value\n"
        "jax.lax.fori_loop(0, 10, body, 0.0)\n",
        "i > 3",
    ),
    (
        # The model's own draw, read in the body of a scan the model runs under NUTS.
        "NPR005",
        "from numpyro.contrib.control_flow import scan\n"
        "def m(T):\n    s = numpyro.sample('s', dist.HalfNormal(1))\n"
        "    def step(c, t):\n        if s > 1:\n            c = c + 1\n        return c, None\n"
        "    scan(step, 0.0, jnp.arange(T))\nmcmc = MCMC(NUTS(m), num_warmup=1, num_samples=1)\n",
        "s > 1",
    ),
    (
        "NPR006",
        "def m():\n    numpyro.sample('a', dist.Normal(0, 1))\n"
        "    numpyro.sample('a', dist.Normal(0, 2))\n",
        "'a', dist.Normal(0, 2)",
    ),
    (
        # A test that some other condition may pass on every iteration picks none.
        "NPR006",
        "def m(pairs, n):\n    for a, b in pairs:\n        if a == 'x' or n > 2:\n"
        "            numpyro.sample('loose', dist.Normal(0, 1))\n",
        "'loose'",
    ),
    (
        "NPR007",
        "def m(n):\n    for i in range(n):\n        numpyro.sample(f'x{i}', dist.Normal(0, 1))\n",
        "range(n)",
    ),
    (
        "NPR008",
        "def m():\n    s = numpyro.sample('s', dist.StudentT(3, 0, 1))\n"
        "    numpyro.sample('r', dist.Gamma(2.0, s))\n",
        "s))",
    ),
    ("NPR009", "model_prior = dist.Normall(0, 1)\n", "dist.Normall"),
    ("NPR009", "from numpyro.infer import NUTs\n", "NUTs"),
    ("NPR009", "guide = AutoNormall(lambda: None)\n", "AutoNormall"),
    ("NPR009", "h = handlers.sed(lambda: None, 0)\n", "handlers.sed"),
    (
        "NPR009",
        "from numpyro.contrib.autoguide import AutoDiagonalNormal\n",
        "from numpyro.contrib.autoguide import AutoDiagonalNormal",
    ),
    (
        "NPR009",
        "import numpyro.contrib.gp.kernels as kernels\n",
        "numpyro.contrib.gp.kernels as kernels",
    ),
    ("NPR010", "d = dist.Normal(0, 1, 2)\n", "2)"),
    ("NPR010", "d = dist.Gamma(shape=1.0, rate=1.0)\n", "shape=1.0"),
    ("NPR010", "k = NUTS(lambda: None, step=0.1)\n", "step=0.1"),
    # pangolin's notebook: a plate with no size (TypeError), reported once at the callee.
    ("NPR010", "with numpyro.plate('N'):\n    pass\n", "|numpyro.plate("),
    ("NPR010", "m = MCMC(NUTS(lambda: None), num_samples=10)\n", "|MCMC("),
    ("NPR011", "d = dist.Beta(0, 1)\n", "0, 1)"),
    ("NPR011", "d = dist.Normal(0, 0)\n", "0)"),
    ("NPR011", "d = dist.Uniform(0, 1)\nb = dist.Bernoulli(probs=1.5)\n", "1.5"),
    (
        "NPR012",
        "def m():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        "    s = numpyro.sample('s', dist.HalfNormal(1))\n    loc = mu * 2\n"
        "    with numpyro.plate('g', 3):\n"
        "        numpyro.sample('eff', dist.StudentT(3, loc, s))\n",
        "'eff'",
    ),
    (
        "NPR013",
        "def m():\n"
        "    k = numpyro.sample('k', dist.Poisson(3.0), infer={'enumerate': 'parallel'})\n"
        "mcmc = MCMC(NUTS(m), num_warmup=1, num_samples=1)\n",
        "'k'",
    ),
    (
        "NPR014",
        "def m():\n    w = numpyro.param('w', 1.0)\nkernel = NUTS(m)\n"
        "mcmc = MCMC(kernel, num_warmup=1, num_samples=1)\n",
        "numpyro.param(",
    ),
    (
        # Traced only through the loop's next iteration: ``prev`` takes the draw of the
        # iteration before.
        "NPR005",
        "def chain(n):\n    prev = current = 0.0\n    for i in range(n):\n"
        "        prev = current\n"
        "        current = numpyro.sample(f'c{i}', dist.Normal(prev, 1))\n"
        "        if prev > 0:\n            break\n",
        "prev > 0",
    ),
    (
        "NPR015",
        "def main(key):\n    a = random.normal(key)\n    b = dist.Normal(0, 1).sample(key)\n"
        "    return a + b\n",
        "sample(|key)",
    ),
    (
        # Two draws handed to one plot are shown together (a scatter shows their
        # correlation).
        "NPR015",
        "import matplotlib.pyplot as plt\nkey = random.PRNGKey(3)\n"
        "plt.scatter(random.normal(key, (9,)), random.uniform(key, (9,)))\n",
        "uniform(|key",
    ),
    (
        # Both draws in one arm of a ``where``: combined.
        "NPR015",
        "def main(key, c):\n    a = random.normal(key)\n    b = random.uniform(key)\n"
        "    return jnp.where(c, a + b, 0.0)\n",
        "uniform(|key)",
    ),
    (
        "NPR015",
        "def draw(key):\n    a = numpyro.sample('a', dist.Normal(0, 1), rng_key=key)\n"
        "    b = numpyro.sample('b', dist.Normal(0, 1), rng_key=key)\n",
        "'b', dist.Normal(0, 1), rng_key=|key",
    ),
    (
        "NPR016",
        "x = jnp.ones(3)\nnumpyro.set_platform('cpu')\n",
        "numpyro.set_platform(",
    ),
    (
        "NPR018",
        "N, K = 10, 3\ndef m(y):\n    with numpyro.plate('n', N):\n"
        "        numpyro.sample('w', dist.Normal(jnp.zeros(K), 1.0))\n",
        "dist.Normal(jnp.zeros(K)",
    ),
]


@pytest.mark.parametrize(("code", "body", "marker"), FLAGGED)
def test_flags_at_the_right_place(code, body, marker):
    source, findings = run(body, code)
    expected = position(source, marker)
    places = [(f.span.line, f.span.column) for f in findings if f.code == code]
    assert expected in places, (places, [f.message for f in findings])


SILENT = [
    (
        "NPR018",
        "def m():\n    with numpyro.plate('a', 10, 5):\n"
        "        numpyro.sample('y', dist.Normal(0, 1), obs=jnp.ones(5))\nk = NUTS(m)\n",
    ),
    (
        "NPR006",
        "def h():\n    numpyro.sample('a', dist.Normal(0, 1))\n"
        "def m(flag):\n    if flag:\n        h()\n    if not flag:\n        h()\n"
        "    if flag:\n        return\n    numpyro.sample('b', dist.Normal(0, 1))\n"
        "k = NUTS(m)\n",
    ),
    (
        "NPR021",
        "svi = SVI(m, AutoNormal(m), None, Trace_ELBO())\n"
        "params, state, losses = svi.run(random.PRNGKey(0), 10)\n"
        "state, loss = svi.update(state)\n",
    ),
    (
        "NPR022",
        "def h():\n    return numpyro.sample('a', dist.Normal(0, 1))\n"
        "with handlers.seed(rng_seed=0):\n    h()\n"
        "def run(h):\n    return h()\nrun(lambda: 1)\n",
    ),
    (
        # Survey 8's plotting notebooks: a draw handed straight to a plot, and a panel drawn
        # into on each iteration, never combine with another draw.
        "NPR015",
        "import matplotlib.pyplot as plt\nkey = random.PRNGKey(3)\n"
        "plt.hist(dist.Normal(3.0, 0.5).sample(key, (100,)))\n"
        "plt.hist(dist.Normal(2.0, 1.0).sample(key, (100,)))\n"
        "fig, axs = plt.subplots(3)\nfor ax in axs:\n"
        "    m = dist.Normal(0, 1).sample(key, (100,))\n    ax.hist(m)\n",
    ),
    (
        # ml-multilvl-models: NUTS runs ``reparam(self.model, config=self.reparam_dict())``,
        # a config the file does not write out.
        "NPR012",
        "from numpyro.handlers import reparam\nclass Multilevel:\n"
        "    def config(self):\n        return {'eff': LocScaleReparam(0)}\n"
        "    def model(self, n):\n        mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        "        s = numpyro.sample('s', dist.HalfNormal(1))\n"
        "        numpyro.sample('eff', dist.Normal(mu, s))\n"
        "    def fit(self):\n        m = reparam(self.model, config=self.config())\n"
        "        MCMC(NUTS(m), num_warmup=1, num_samples=1).run(random.PRNGKey(0), 3)\n",
    ),
    (
        # aibandits: the second draw reads only the first's shape; smi_experiments: a driver
        # that opens its own seed block and loops on plain floats is run by no inference.
        "NPR015",
        "def switching(key, a, b):\n    t1 = random.beta(key, a, b)\n"
        "    t2 = random.beta(key, 1.0, 1.0, shape=t1.shape)\n"
        "    return jnp.where(a > 0.5, t1, t2)\n",
    ),
    (
        "NPR005",
        "def run(seed_value):\n    with handlers.seed(rng_seed=seed_value):\n"
        "        score = float(numpyro.prng_key()[0])\n        while score <= 0.5:\n"
        "            score = float(numpyro.prng_key()[0])\n    return score\n",
    ),
    (
        # Reading JAX's version starts no backend (vbm_jax).
        "NPR016",
        "import jax\nassert int(jax.__version__.split('.')[1]) >= 4\nnumpyro.set_platform('cpu')\n",
    ),
    (
        # jax-snana's two-piece mixture: one key draws both pieces, and ``where`` takes each
        # element from one of them.
        "NPR015",
        "def piecewise(key, lo, hi, w):\n    k1, k2 = random.split(key)\n"
        "    u = random.uniform(k1)\n    left = random.uniform(k2, minval=lo, maxval=0.0)\n"
        "    right = random.uniform(k2, minval=0.0, maxval=hi)\n"
        "    return jnp.where(u < w, left, right)\n",
    ),
    (
        # mrazomej/scribe: a likelihood object's ``sample`` method observes ``counts``.
        "NPR020",
        "class Likelihood:\n    def sample(self, params, counts=None):\n"
        "        numpyro.sample('counts', dist.Poisson(params['mu']), obs=counts)\n"
        "like = Likelihood()\n"
        "def m():\n    mu = numpyro.sample('mu', dist.LogNormal(0.0, 1.0))\n"
        "    like.sample({'mu': mu}, counts=None)\n"
        "tr = handlers.trace(handlers.seed(m, 0)).get_trace()\nprint(tr['counts'])\n",
    ),
    (
        # The same with the likelihood class imported: a dict handed first is no key.
        "NPR020",
        "from scribe import TwoStateLikelihood\nlike = TwoStateLikelihood()\n"
        "def m():\n    mu = numpyro.sample('mu', dist.LogNormal(0.0, 1.0))\n"
        "    like.sample({'mu': mu}, counts=None)\n"
        "tr = handlers.trace(handlers.seed(m, 0)).get_trace()\nprint(tr['counts'])\n",
    ),
    (
        # The BMCP book shows that calling a model directly fails, and catches the error.
        "NPR022",
        "def m():\n    return numpyro.sample('a', dist.Normal(0, 1))\n"
        "try:\n    m()\nexcept:\n    pass\n"
        "try:\n    m()\nexcept (ValueError, AssertionError) as error:\n    print(error)\n",
    ),
    (
        # The BMCP book simulates a model with Predictive and scores the draws with
        # log_density: nothing samples it.
        "NPR012",
        "from numpyro.infer.util import log_density\n"
        "def m():\n    x = numpyro.sample('x', dist.Normal(1.0, 2.0))\n"
        "    z = numpyro.sample('z', dist.HalfNormal(1.0))\n"
        "    numpyro.sample('y', dist.Normal(x, z))\n"
        "draws = Predictive(m, num_samples=1)(random.PRNGKey(0))\n"
        "lp = log_density(m, (), {}, {k: v[0] for k, v in draws.items()})\n",
    ),
    ("NPR001", 'x = numpyro.sample("x", dist.Normal(0, 1), rng_key=random.PRNGKey(1))\n'),
    (
        "NPR001",
        "with handlers.trace() as tr, handlers.seed(rng_seed=0):\n"
        "    numpyro.sample('x', dist.Normal(0, 1))\n",
    ),
    ("NPR001", "def model():\n    numpyro.sample('x', dist.Normal(0, 1))\n"),
    (
        "NPR002",
        "def m(x):\n    a = numpyro.sample('a', dist.Normal(np.mean(x), np.std(x)))\n"
        "    n = np.shape(a)\n",
    ),
    ("NPR003", "data = np.random.normal(size=10)\n"),
    ("NPR004", "import torch\ndata = torch.tensor([1.0]).numpy()\n"),
    (
        # A course's notebook: scipy's frozen distribution under the name, and numpyro's
        # imported under it further down.
        "NPR009",
        "from scipy.stats import binom\ndist = binom(10, 0.5)\nm = dist.mean()\n"
        "s = dist.support()\nimport numpyro.distributions as dist\nprior = dist.Beta(1, 1)\n",
    ),
    (
        # A loop over each of two draws from one key, each item only plotted.
        "NPR015",
        "import matplotlib.pyplot as plt\nkey = random.PRNGKey(0)\nxs = jnp.arange(9.0)\n"
        "for i in random.choice(key, 9, (3,)):\n    plt.plot(xs[i])\n"
        "for j in random.choice(key, 9, (5,)):\n    plt.plot(xs[j])\n",
    ),
    (
        # UKGovernmentBEIS/hibayes: a site drawn only on the iteration whose pair is the one
        # the test picks; and one on the first iteration alone.
        "NPR006",
        "def m(pairs, n):\n    for a, b in pairs:\n"
        "        if (a == 'grader' and b == 'LLM') or (a == 'LLM' and b == 'grader'):\n"
        "            numpyro.sample('grader_LLM', dist.Normal(0, 1))\n"
        "    for i in range(n):\n        if i == 0:\n"
        "            numpyro.sample('first', dist.Normal(0, 1))\n",
    ),
    (
        # Peymankor/MBML_Final_Project: a notebook's NumPyro model, run before a later cell
        # imports Pyro's distributions under the same name.
        "NPR004",
        "def m():\n    numpyro.sample('mu', dist.Normal(0.0, 1.0))\n"
        "mcmc = MCMC(NUTS(m), num_warmup=10, num_samples=10)\n"
        "import pyro.distributions as dist\nprior = dist.Normal(0.0, 1.0)\n",
    ),
    (
        "NPR005",
        "def m(x, y=None, training=True):\n    a = numpyro.sample('a', dist.Normal(0, 1))\n"
        "    if y is None or x.shape[0] > 3 or len(x) > 2 or training:\n        pass\n"
        "    if a is not None:\n        pass\n    for i in range(x.shape[1]):\n        pass\n"
        "    n = int(x.shape[0])\n    b = jnp.where(a > 0, a, -a)\n",
    ),
    (
        # What ``partial`` binds stays concrete, a carry may hold None, the body's other
        # parameters take their defaults, and the model's draws are concrete where the file
        # only runs it eagerly.
        "NPR005",
        "import functools\nfrom numpyro.contrib.control_flow import scan\n"
        "def m(T):\n    s = numpyro.sample('s', dist.HalfNormal(1))\n"
        "    def step(n, c, t, verbose=False):\n        if n > 2 or c is None or verbose:\n"
        "            pass\n        if s > 1:\n            pass\n        return c, None\n"
        "    scan(functools.partial(step, 3), 0.0, jnp.arange(T))\n"
        "handlers.seed(m, 0)(3)\n",
    ),
    (
        # calderlen/atmo-retrieval and scribe: a list's truthiness is its length, and a dict's
        # keys are hashed, so never tracers, whatever the values are.
        "NPR005",
        "def m(names):\n    z = numpyro.sample('z', dist.Normal(0, 1))\n"
        "    profiles = [jnp.full(3, z) for _ in names]\n    if profiles:\n        pass\n"
        "    by_name = {n: z * 2 for n in names}\n    needed = list(by_name)\n"
        "    if needed:\n        pass\n    for n in by_name:\n        if n == 'H2':\n"
        "            pass\n    out = dict(by_name)\n    for key in ('a', 'b'):\n"
        "        if key in out:\n            pass\n",
    ),
    (
        # aimz and rvrs_example_code: a body that ``lax.map`` hands a key and a dict of
        # draws, reading a model's trace; its sites' fields and the dict's keys are concrete.
        "NPR005",
        "import jax\ndef run(model, keys, draws):\n"
        "    def one(item):\n        key, sample = item\n        if not sample:\n"
        "            return {}\n"
        "        tr = handlers.trace(handlers.seed(model, key)).get_trace()\n"
        "        return {k: s['value'] for k, s in tr.items()\n"
        "                if s['type'] == 'sample' and k not in sample}\n"
        "    return jax.lax.map(one, (keys, draws))\n",
    ),
    (
        "NPR006",
        "def m(y=None):\n    if y is None:\n        numpyro.sample('o', dist.Normal(0, 1))\n"
        "    else:\n        numpyro.sample('o', dist.Normal(0, 1), obs=y)\n"
        "def g():\n    numpyro.sample('o', dist.Normal(0, 1))\n",
    ),
    (
        "NPR007",
        "def m(n):\n    x = 0.0\n    for t in range(n):\n"
        "        x = numpyro.sample(f'x{t}', dist.Normal(x, 1))\n",
    ),
    (
        "NPR008",
        "def m():\n    s = numpyro.sample('s', dist.Normal(0, 1))\n"
        "    numpyro.sample('a', dist.Normal(s, jnp.exp(s)))\n",
    ),
    (
        "NPR009",
        "import numpyro.infer.util\nimport numpyro.contrib.hsgp.approximation as hsgp\n"
        "from numpyro.contrib.funsor import config_enumerate\nx = dist.Normal.arg_constraints\n"
        "y = numpyro.infer.util.log_density\ndef AutoNormall():\n    pass\nz = AutoNormall()\n",
    ),
    (
        "NPR010",
        "d = dist.Normal(loc=0, scale=1)\nopts = {}\nk = NUTS(lambda: None, **opts)\n"
        "m = MCMC(k, num_warmup=1, num_samples=1, num_chains=2)\n",
    ),
    # Left out, but said otherwise: ``**opts`` may hold it; three positionals, and a
    # misnamed keyword, are each reported as such (test above), not twice.
    ("NPR010", "opts = {}\nwith numpyro.plate('N', **opts):\n    pass\n"),
    ("NPR011", "a = dist.Normal(-5, 1)\nb = dist.Beta(0.5, 0.5)\nc = dist.Uniform(-1, 1)\n"),
    (
        "NPR012",
        "def m():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        "    s = numpyro.sample('s', dist.HalfNormal(1))\n"
        "    with handlers.reparam(config={'eff': LocScaleReparam(0)}):\n"
        "        numpyro.sample('eff', dist.Normal(mu, s))\n"
        "    numpyro.sample('y', dist.Normal(mu, s), obs=1.0)\n"
        "def m2():\n    mu = numpyro.sample('mu', dist.Normal(0, 1))\n"
        "    numpyro.sample('eff', dist.Normal(mu, 1))\n"
        "k = NUTS(handlers.reparam(m2, config={'eff': LocScaleReparam(0)}))\n",
    ),
    (
        "NPR013",
        "ENUMERATE = {'enumerate': 'parallel'}\n"
        "def m():\n    z = numpyro.sample('z', dist.Bernoulli(0.5))\n"
        "    c = numpyro.sample('c', dist.Categorical(jnp.ones(3) / 3), infer=ENUMERATE)\n"
        "    numpyro.sample('o', dist.Poisson(3.0), obs=2)\n"
        "kernel = DiscreteHMCGibbs(NUTS(m))\n"
        "def n():\n"
        "    numpyro.sample('c', dist.Categorical(jnp.ones(3) / 3), infer={'enumerate': 'seq'})\n"
        "k2 = NUTS(n)\n",
    ),
    (
        "NPR014",
        "def m():\n    w = numpyro.param('w', 1.0)\n"
        "mcmc = MCMC(NUTS(m), num_warmup=1, num_samples=1)\n"
        "svi = SVI(m, AutoNormal(m), None, Trace_ELBO())\n",
    ),
    (
        "NPR015",
        "def main(flag):\n    key = random.PRNGKey(0)\n    key, sub = random.split(key)\n"
        "    mcmc.run(sub)\n    if flag:\n        random.normal(key)\n    else:\n"
        "        random.uniform(key)\n",
    ),
    (
        "NPR015",
        "def main():\n    key = random.PRNGKey(0)\n    mcmc.run(key)\n"
        "    Predictive(m, num_samples=1)(key)\n",
    ),
    ("NPR016", "numpyro.set_host_device_count(4)\nx = jnp.ones(3)\n"),
    (
        "NPR017",
        "def m(x, y=None):\n    numpyro.sample('y', dist.Normal(x, 1), obs=y)\n"
        "p = Predictive(m, samples)\nout = p(random.PRNGKey(0), x, y=None)\n"
        "prior = Predictive(m, num_samples=10)(random.PRNGKey(1), x)\n",
    ),
    (
        "NPR018",
        "def m(y, k):\n    with numpyro.plate('n', k):\n"
        "        numpyro.sample('w', dist.Normal(jnp.zeros(k), 1.0))\n"
        "    with numpyro.plate('m', y.shape[0]):\n"
        "        numpyro.sample('v', dist.Normal(jnp.zeros(3), 1.0).to_event(1))\n"
        "        numpyro.sample('o', dist.Normal(0, 1), obs=y)\n",
    ),
]


@pytest.mark.parametrize(("code", "body"), SILENT)
def test_near_misses_are_silent(code, body):
    _, findings = run(body, code)
    assert [f for f in findings if f.code == code] == []


def test_observed_data_in_predictive_flags_the_argument():
    body = (
        "def m(x, y=None):\n    numpyro.sample('y', dist.Normal(x, 1), obs=y)\n"
        "p = Predictive(m, samples)\nout = p(random.PRNGKey(0), x, yy)\n"
    )
    source, findings = run(body, "NPR017")
    assert [(f.span.line, f.span.column) for f in findings] == [position(source, "yy)")]


def test_related_locations_point_at_the_first_site():
    body = (
        "def m():\n    numpyro.sample('a', dist.Normal(0, 1))\n"
        "    numpyro.sample('a', dist.Normal(0, 2))\n"
    )
    source, findings = run(body, "NPR006")
    (finding,) = findings
    first = position(source, "'a', dist.Normal(0, 1)")
    assert (finding.related[0].span.line, finding.related[0].span.column) == first


def test_a_reused_key_names_the_draw_it_meets():
    # Survey 8 (Bias_Correction): a loop's draws, each plotted on its own, then two draws
    # combined; the message named the loop's draw, long before.
    body = (
        "import matplotlib.pyplot as plt\nkey = random.PRNGKey(1)\n"
        "for ax in plt.subplots(3)[1]:\n    ax.hist(dist.Normal(0, 1).sample(key, (9,)))\n"
        "m = dist.Normal(0, 1).sample(key, (9,))\nv = dist.Normal(0, 0.1).sample(key, (9,))\n"
        "total = m + v\n"
    )
    source, findings = run(body, "NPR015")
    (finding,) = findings
    line, _ = position(source, "m = dist")
    assert f"on line {line}:" in finding.message
    assert finding.related[0].span.line == line


def test_vague_prior_is_off_by_default():
    source = HEADER + "def m():\n    numpyro.sample('p', dist.Gamma(0.001, 0.001))\n"
    assert check_source(source, CATALOG) == []
    settings = RuleSettings(extend_select=frozenset({"NPR019"}))
    assert [f.code for f in check_source(source, CATALOG, settings)] == ["NPR019"]


def test_noqa_and_severity_settings():
    source = HEADER + (
        "a = dist.HalfNormal(-1)  # noqa: NPR011\n"
        "b = dist.HalfNormal(-1)  # noqa\n"
        "c = dist.HalfNormal(-1)  # noqa: NPR001\n"
        "d = dist.Normall(0, 1)\n"
    )
    findings = check_source(source, CATALOG)
    assert [(f.code, f.span.line) for f in findings] == [("NPR011", 12), ("NPR009", 13)]
    quiet = RuleSettings(severity={"NPR011": None, "NPR009": Severity.WARNING})
    assert [(f.code, f.severity) for f in check_source(source, CATALOG, quiet)] == [
        ("NPR009", Severity.WARNING)
    ]
    assert check_source(source, CATALOG, RuleSettings(ignore=frozenset({"NPR0"}))) == []


def test_a_replaced_catalog_leaves_nothing_in_the_rules():
    """What a rule works out once per catalog object is kept with that catalog: when a
    rebuilt catalog replaces it (another numpyro, a settings change), none of the old one's
    objects stays alive in the rules' module state."""

    class Tracked(dict):  # a dict that a weak reference can follow
        pass

    old = read_catalog(shipped_catalog_path())
    normal = Tracked(old.objects["numpyro.distributions.Normal"])
    old.objects["numpyro.distributions.Normal"] = normal
    old._members.clear()
    source = HEADER + "d = dist.Normal(0.0, 1.0, 2.0)\n"
    settings = RuleSettings(select=frozenset({"NPR010"}))
    assert [f.code for f in check_source(source, old, settings)] == ["NPR010"]
    gone = weakref.ref(normal)
    del old, normal
    gc.collect()
    assert gone() is None, "a rule keeps an object of a catalog that was replaced"
    # The next catalog is checked afresh, with the same finding.
    assert [f.code for f in check_source(source, CATALOG, settings)] == ["NPR010"]
