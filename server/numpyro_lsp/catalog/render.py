"""Catalog entries as Markdown and one-line text, shared by hover, completion and signature help."""

from __future__ import annotations

from numpyro_lsp.catalog.schema import Member

KIND_LABELS = {
    "distribution": "distribution",
    "constraint": "constraint",
    "transform": "transform",
    "autoguide": "autoguide",
    "kernel": "MCMC kernel",
    "elbo": "ELBO",
    "reparam": "reparameterizer",
    "handler": "effect handler",
    "primitive": "primitive",
    "inference": "inference",
    "init_strategy": "init strategy",
    "optimizer": "optimizer",
    "function": "function",
    "class": "class",
    "value": "value",
}


def constraint_text(constraint: dict | None) -> str:
    return constraint["display"] if constraint else ""


def param_label(param: dict) -> str:
    """``scale: positive = 1.0``: how a parameter reads in a signature."""
    prefix = {"var_positional": "*", "var_keyword": "**"}.get(param["kind"], "")
    label = prefix + param["name"]
    if param.get("constraint"):
        label += f": {constraint_text(param['constraint'])}"
    if "default" in param:
        label += f" = {param['default']}"
    return label


def detail(obj: dict) -> str:
    """One line for a completion item's detail: the signature, or the kind for values."""
    return obj["signature"] or f"{obj['name']} ({KIND_LABELS.get(obj['kind'], obj['kind'])})"


def params_markdown(obj: dict) -> str:
    rows = []
    for p in obj["params"]:
        if p["name"] == "validate_args":
            continue
        line = f"- `{p['name']}`"
        if p.get("constraint"):
            line += f": {constraint_text(p['constraint'])}"
        if "default" in p:
            line += f" (default `{p['default']}`)"
        rows.append(line)
    return "\n".join(rows)


def object_markdown(obj: dict, *, with_signature: bool = True) -> str:
    """Hover text; completion items leave the signature out (their detail shows it)."""
    kind = KIND_LABELS.get(obj["kind"], obj["kind"])
    parts = [f"```python\n{obj['signature'] or obj['path']}\n```"] if with_signature else []
    parts.append(f"*{kind}* `{obj['path']}`")
    if obj["kind"] == "distribution":
        facts = []
        if obj.get("support"):
            facts.append(f"**support** `{constraint_text(obj['support'])}`")
        if "has_rsample" in obj:
            facts.append("reparameterized (`rsample`)" if obj["has_rsample"] else "no `rsample`")
        if obj.get("is_discrete"):
            facts.append("discrete")
        if facts:
            parts.append(" · ".join(facts))
    if obj["kind"] == "constraint" and obj.get("constraint"):
        parts.append(f"**constraint** `{constraint_text(obj['constraint'])}`")
    params = params_markdown(obj)
    if params:
        parts.append("**Parameters**\n" + params)
    if obj["doc"]:
        parts.append(obj["doc"])
    if obj.get("url"):
        parts.append(f"[NumPyro docs]({obj['url']})")
    return "\n\n".join(parts)


def module_markdown(path: str, module: dict) -> str:
    parts = [f"```python\nmodule {path}\n```"]
    if module.get("doc"):
        parts.append(module["doc"])
    parts.append(f"{len(module['members'])} public names")
    return "\n\n".join(parts)


def member_markdown(member: Member, *, with_signature: bool = True) -> str:
    if member.module is not None:
        return module_markdown(member.path, member.module)
    return object_markdown(member.obj, with_signature=with_signature)
