"""The server's options: a typed tree with defaults, read from the editor's
initializationOptions / ``numpyro`` settings and from ``[tool.numpyro-lsp]`` in pyproject.toml.

Invalid values never stop the server: they are reported and the default is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from numpyro_lsp.rules import RULES
from numpyro_lsp.rules.base import Severity
from numpyro_lsp.rules.engine import RuleSettings


@dataclass(frozen=True)
class ServerOptions:
    diagnostics_enabled: bool = True
    rules: RuleSettings = field(default_factory=RuleSettings)
    # Diagnostics wait this long after the last change before checking again.
    debounce_ms: int = 300
    # Larger documents are not checked (a generated or data file, not a model).
    max_check_chars: int = 2_000_000
    # Plate sizes and supports shown inline (``numpyro.inlayHints.enabled``).
    inlay_hints_enabled: bool = False
    # Snippets offered as completions (``numpyro.snippets.enabled``). The VS Code extension
    # contributes the same snippet file itself, so it turns these off.
    snippets_enabled: bool = True


def _codes(value: Any, key: str, problems: list[str]) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        problems.append(f"{key} must be a list of rule codes")
        return None
    codes = frozenset(v.strip().upper() for v in value)
    unknown = sorted(c for c in codes if not any(code.startswith(c) for code in RULES))
    if unknown:
        problems.append(f"{key}: unknown rule code {', '.join(unknown)}")
        codes = codes - set(unknown)
    return codes


def _severities(value: Any, problems: list[str]) -> dict[str, Severity | None]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append("severity must map rule codes to error/warning/information/hint/off")
        return {}
    result: dict[str, Severity | None] = {}
    for code, level in value.items():
        code = str(code).upper()
        if code not in RULES:
            problems.append(f"severity: unknown rule code {code}")
            continue
        if str(level).lower() in ("off", "none", "false"):
            result[code] = None
            continue
        try:
            result[code] = Severity.parse(str(level))
        except KeyError:
            problems.append(
                f"severity of {code}: {level!r} is not error/warning/information/hint/off"
            )
    return result


def rule_settings(table: dict, problems: list[str]) -> RuleSettings:
    """Rule selection from a table that spells keys either way (``extend-select`` in
    pyproject.toml, ``extendSelect`` in editor settings)."""

    def get(name: str) -> Any:
        camel = name.split("-")[0] + "".join(p.title() for p in name.split("-")[1:])
        return table.get(name, table.get(camel))

    return RuleSettings(
        select=_codes(get("select"), "select", problems),
        extend_select=_codes(get("extend-select"), "extend-select", problems) or frozenset(),
        ignore=_codes(get("ignore"), "ignore", problems) or frozenset(),
        severity=_severities(get("severity"), problems),
    )


def _enabled(section: Any, key: str, default: bool, problems: list[str]) -> bool:
    """The ``enabled`` switch of the settings section ``key``."""
    enabled = section.get("enabled", default) if isinstance(section, dict) else None
    if not isinstance(enabled, bool):
        problems.append(f"{key}.enabled must be true or false")
        return default
    return enabled


def server_options(raw: Any) -> tuple[ServerOptions, list[str]]:
    """Options from the editor's ``numpyro`` settings section; returns them with a list of
    problems to show the user."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        return ServerOptions(), ([] if raw is None else ["settings must be an object"])
    diagnostics = raw.get("diagnostics") or {}
    if not isinstance(diagnostics, dict):
        problems.append("diagnostics must be an object")
        diagnostics = {}
    debounce = raw.get("debounceMs", ServerOptions.debounce_ms)
    if not isinstance(debounce, int) or isinstance(debounce, bool) or not 0 <= debounce <= 5000:
        problems.append("debounceMs must be a whole number of milliseconds from 0 to 5000")
        debounce = ServerOptions.debounce_ms
    max_kb = diagnostics.get("maxFileKb", ServerOptions.max_check_chars // 1000)
    if not isinstance(max_kb, int) or isinstance(max_kb, bool) or max_kb <= 0:
        problems.append("diagnostics.maxFileKb must be a positive whole number")
        max_kb = ServerOptions.max_check_chars // 1000
    options = ServerOptions(
        diagnostics_enabled=_enabled(diagnostics, "diagnostics", True, problems),
        rules=rule_settings(diagnostics, problems),
        debounce_ms=debounce,
        max_check_chars=max_kb * 1000,
        inlay_hints_enabled=_enabled(raw.get("inlayHints") or {}, "inlayHints", False, problems),
        snippets_enabled=_enabled(raw.get("snippets") or {}, "snippets", True, problems),
    )
    return options, problems
