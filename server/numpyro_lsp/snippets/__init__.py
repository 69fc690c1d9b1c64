"""NumPyro snippets: the library read from ``snippets/numpyro.code-snippets``, VS Code's
snippet syntax, and the generated docs. Plain Python: no LSP, no jax."""
