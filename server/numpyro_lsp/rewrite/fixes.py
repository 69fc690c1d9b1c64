"""The payload of each kind of quick fix: what a rule computes with its finding for a code
action to apply later. They travel in the diagnostic's ``data`` as plain JSON, through a
cattrs converter (the LSP layer uses lsprotocol's): ``kind`` picks the class, and the
class checks the fields.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs


@attrs.frozen
class ReplaceName:
    """Replace the last ``name`` in the finding's range (``dist.Normall``)."""

    name: str
    replacement: str
    KIND: ClassVar[str] = "replace_name"


@attrs.frozen
class ReplaceKeyword:
    """Replace the keyword ``name`` at the start of the finding's range (``scael=1``)."""

    name: str
    replacement: str
    KIND: ClassVar[str] = "replace_keyword"


@attrs.frozen
class AddImport:
    """Add ``from module import name`` to the file's imports (an undefined ``constraints``)."""

    module: str
    name: str
    KIND: ClassVar[str] = "add_import"


@attrs.frozen
class NumpyToJnp:
    """Call ``jax.numpy``'s function instead of the NumPy one at ``path``."""

    path: str
    KIND: ClassVar[str] = "numpy_to_jnp"


@attrs.frozen
class AddRngKey:
    """Pass ``rng_key=`` to the call, or wrap the statement in ``seed``."""

    KIND: ClassVar[str] = "add_rng_key"


@attrs.frozen
class LoopToPlate:
    """Rewrite the loop as ``plate(plate_name, size)``; ``names`` maps each site-name
    expression of the body to the prefix it keeps."""

    plate: str
    plate_name: str
    size: str
    index: str
    names: dict[str, str]
    KIND: ClassVar[str] = "loop_to_plate"


@attrs.frozen
class NonCenter:
    """The non-centering refactors of a centered site (offered from the site's range)."""

    site: str
    model: str
    KIND: ClassVar[str] = "non_center"


@attrs.frozen
class Reparameterize:
    """The parameterization advisor's recommendation: ``sites`` of ``model`` under
    ``LocScaleReparam(centered=centered)`` (one site: at the site; several: on the model)."""

    model: str
    sites: tuple[str, ...]
    centered: float
    KIND: ClassVar[str] = "reparameterize"


FixPayload = (
    ReplaceName
    | ReplaceKeyword
    | AddImport
    | NumpyToJnp
    | AddRngKey
    | LoopToPlate
    | NonCenter
    | Reparameterize
)
KINDS: dict[str, type[FixPayload]] = {cls.KIND: cls for cls in FixPayload.__args__}


class PayloadError(ValueError):
    """The payload is not one of ``KINDS`` with its fields."""


def unstructure(payload: FixPayload, converter) -> dict[str, Any]:
    return {"kind": payload.KIND, **converter.unstructure(payload)}


def structure(data: Any, converter) -> FixPayload:
    """The payload ``data`` (a rule's dict, or JSON back from the client) as its class."""
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind not in KINDS:
        raise PayloadError(f"unknown fix kind {kind!r}")
    try:
        payload = converter.structure(data, KINDS[kind])
    except Exception as error:  # cattrs raises several kinds, grouped or not
        raise PayloadError(f"malformed {kind} payload: {error!r}") from error
    # cattrs coerces (``None`` becomes ``"None"``): only a payload that reads back as it
    # came is taken.
    if unstructure(payload, converter) != data:
        raise PayloadError(f"malformed {kind} payload: {data!r}")
    return payload
