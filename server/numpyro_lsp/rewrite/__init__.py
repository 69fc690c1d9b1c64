"""Source rewrites for code actions: libcst where structure changes, text where a name does.
Each returns the new source; ``edits.minimal_edits`` turns that into the smallest text edits,
so everything outside the changed lines stays byte-identical."""
