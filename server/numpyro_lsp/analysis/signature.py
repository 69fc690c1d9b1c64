"""Signature help inside calls of catalog callables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from numpyro_lsp.analysis.context import OpenCall, open_calls
from numpyro_lsp.analysis.resolve import catalog_member
from numpyro_lsp.catalog import render
from numpyro_lsp.catalog.schema import Catalog


@dataclass(frozen=True)
class ParameterLabel:
    # Code-point offsets of the parameter inside the signature's label.
    start: int
    end: int
    doc: str


@dataclass(frozen=True)
class Signature:
    label: str
    doc: str
    parameters: list[ParameterLabel]
    active_parameter: int | None


def active_parameter(params: list[dict], call: OpenCall) -> int | None:
    names = [p["name"] for p in params]
    if call.keyword is not None:
        if call.keyword in names:
            return names.index(call.keyword)
        var_keyword = [i for i, p in enumerate(params) if p["kind"] == "var_keyword"]
        return var_keyword[0] if var_keyword else None
    if call.keywords_used:
        # Only keywords may follow a keyword: point at the first parameter not given yet.
        for i, p in enumerate(params[call.positional_count :], call.positional_count):
            if p["name"] not in call.keywords_used and not p["kind"].startswith("var"):
                return i
        return None
    index = call.argument_index
    for i, p in enumerate(params):
        if p["kind"] == "var_positional":
            return i if index >= i else index
        if p["kind"] in ("keyword_only", "var_keyword"):
            return None if index >= i else index
    return index if index < len(params) else None


def build_signature(obj: dict) -> tuple[str, list[ParameterLabel]]:
    label = obj["name"] + "("
    labels: list[ParameterLabel] = []
    keyword_only_marked = False
    for i, p in enumerate(obj["params"]):
        if i:
            label += ", "
        if p["kind"] == "keyword_only" and not keyword_only_marked:
            label += "*, "
            keyword_only_marked = True
        keyword_only_marked |= p["kind"] == "var_positional"
        text = render.param_label(p)
        labels.append(ParameterLabel(len(label), len(label) + len(text), param_doc(p)))
        label += text
    return label + ")", labels


def param_doc(param: dict) -> str:
    constraint = param.get("constraint")
    if not constraint:
        return ""
    return f"`{param['name']}` must be `{constraint['display']}`"


def signature_at(
    text_before_cursor: str, bindings: Mapping[str, str], catalog: Catalog
) -> Signature | None:
    """The signature of the innermost open call that names a catalog callable."""
    for call in open_calls(text_before_cursor):
        member = catalog_member(call.callee, bindings, catalog)
        if member is None or member.obj is None or not member.obj["signature"]:
            continue
        obj = member.obj
        label, params = build_signature(obj)
        return Signature(label, obj["summary"], params, active_parameter(obj["params"], call))
    return None
