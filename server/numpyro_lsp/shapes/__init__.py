"""The shape lens: every site's batch, event and log-prob shape, traced in the smoke test's
worker without data or sampling (``trace.py``, worker side), planned, run and judged in the
server (``run.py``, ``report.py``).

Not to be confused with ``analysis/shapes.py``: the shapes the code shows without running
it, read per keystroke by the rules.
"""
