"""Fix payloads in a diagnostic's ``data``: typed (rewrite/fixes.py) and carried as JSON by
lsprotocol's own cattrs converter."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import cattrs
from lsprotocol import converters

if TYPE_CHECKING:
    from numpyro_lsp.rewrite.fixes import FixPayload

logger = logging.getLogger(__name__)
# JSON on the wire is lsprotocol's (camelCase keys); the rules write snake_case dicts.
CONVERTER = converters.get_converter()
RULES_CONVERTER = cattrs.Converter()


def fix_data(fix: dict | None) -> dict | None:
    """A finding's ``fix`` as the diagnostic's ``data`` (None when it has none, or when a
    rule wrote one that does not check: logged, the diagnostic still shows)."""
    from numpyro_lsp.rewrite.fixes import PayloadError, structure, unstructure

    if not fix:
        return None
    try:
        return {"fix": unstructure(structure(fix, RULES_CONVERTER), CONVERTER)}
    except PayloadError as error:
        logger.error("a rule's fix payload was dropped: %s", error)
        return None


def fix_of(data: Any) -> FixPayload | None:
    """The fix payload of a diagnostic's ``data`` as the client sent it back; None when it
    has none or it is malformed (logged)."""
    from numpyro_lsp.rewrite.fixes import PayloadError, structure

    fix = data.get("fix") if isinstance(data, dict) else None
    if fix is None:
        return None
    try:
        return structure(fix, CONVERTER)
    except PayloadError as error:
        logger.warning("a code action's fix payload was skipped: %s", error)
        return None
