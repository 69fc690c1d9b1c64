"""The NUTS smoke test: a quick JIT-compiled NUTS run of one model, reported in the editor.

``loader`` decides what of the user's file to execute and how to call the model (plain
``ast``); ``worker`` is the only module that imports jax and numpyro, and runs in a separate,
long-lived process; ``runner`` drives that process from the server; ``report`` turns what
the worker sends back into a verdict, messages and source positions; ``engine`` ties them
together for the language server and the command line alike.
"""
