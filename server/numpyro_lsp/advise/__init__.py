"""The parameterization advisor: for each centered hierarchical site of a model (the ones the
non-centering actions offer), run short NUTS on the model as written, with that site
non-centered, partially centered, and with all of them non-centered; recommend with the
numbers. ``plan.py`` says which variants, ``pipeline.py`` runs them in the smoke test's
worker, ``recommend.py`` judges them.

Whether a site should be centered depends on how informative its data are (Gorinova, Moore
& Hoffman 2019): non-centering a site whose data are strong makes sampling worse. This
measures the choice on the user's own model and device instead of choosing by rule.
"""
