"""numpyro-lsp: a language server that knows NumPyro."""

__version__ = "0.1.0"
