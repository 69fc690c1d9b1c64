"""The smoke test's settings, read from the client's options with a default for each."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

# The client's camelCase option name -> field name.
OPTION_NAMES = {
    "enabled": "enabled",
    "warmup": "warmup",
    "samples": "samples",
    "chains": "chains",
    "seed": "seed",
    "timeout": "timeout_s",
}
# The least value each whole-number option takes.
MINIMUMS = {"warmup": 0, "samples": 1, "chains": 1, "seed": 0}


@dataclass(frozen=True)
class SmokeSettings:
    enabled: bool = True
    warmup: int = 300
    samples: int = 300
    chains: int = 2
    seed: int = 0
    # Seconds for one whole run, from the request to the report, a cold start included.
    timeout_s: float = 120.0

    def updated(self, options: Any) -> tuple[SmokeSettings, list[str]]:
        """These settings with ``options`` (camelCase names) applied; an invalid option keeps
        its current value and is described in the returned problems."""
        if options is None:
            return self, []
        if not isinstance(options, dict):
            return self, [f"smoke test options should be an object, got {options!r}"]
        changes: dict[str, Any] = {}
        problems = []
        for name, value in options.items():
            field_name = OPTION_NAMES.get(name)
            if field_name is None:
                problems.append(f"unknown smoke test option {name!r}")
                continue
            try:
                changes[field_name] = _parse(field_name, value)
            except ValueError as problem:
                problems.append(f"smoke test option {name!r}: {problem}, got {value!r}")
        return replace(self, **changes), problems

    def as_json(self) -> dict[str, Any]:
        option_of = {field_name: option for option, field_name in OPTION_NAMES.items()}
        return {option_of[f.name]: getattr(self, f.name) for f in fields(self)}


def _parse(field_name: str, value: Any) -> bool | int | float:
    if field_name == "enabled":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")
    if field_name == "timeout_s":
        if value <= 0:
            raise ValueError("expected a positive number of seconds")
        return float(value)
    if not float(value).is_integer():
        raise ValueError("expected a whole number")
    if value < MINIMUMS[field_name]:
        raise ValueError(f"expected at least {MINIMUMS[field_name]}")
    return int(value)
