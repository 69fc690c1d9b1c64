"""Every setting of numpyro-lsp, in one typed tree: the only place an option is declared.

The tree is read from the editor's ``numpyro`` settings (initializationOptions and
workspace/didChangeConfiguration, camelCase keys), from ``[tool.numpyro-lsp]`` in
pyproject.toml (kebab-case keys, for ``numpyro-lsp check`` and ``numpyro-lsp smoke``) and from
the smoke test command's per-run settings. A value that is wrong gives one problem naming the
setting, and its default is used; a problem never stops the server.

The VS Code extension's ``contributes.configuration`` and docs/settings.md are generated from
this tree (``python scripts/gen_settings.py``); tests/test_settings.py holds them equal.

To add a setting: add one field to the class of its section, made with ``setting(default,
"Its documentation in Markdown.")`` (with ``minimum``/``maximum`` for a number, a ``Literal``
type for a choice, ``pyproject=True`` when ``[tool.numpyro-lsp]`` may set it too), run
``python scripts/gen_settings.py``, and read it on the server as ``ls.settings.<section>.<name>``.
The key is the field's name in camelCase (editor) or kebab-case (pyproject.toml).
"""

from __future__ import annotations

import enum
import functools
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, get_args, get_origin

import attrs
import cattrs

# The rules load only where rule codes are given or the checks run: the server reads its
# settings while it answers initialize (docs/performance.md).
if TYPE_CHECKING:
    from numpyro_lsp.rules.engine import RuleSettings

T = TypeVar("T")

SeverityName = Literal["error", "warning", "information", "hint", "off"]
TraceLevel = Literal["off", "messages", "verbose"]


class Source(enum.Enum):
    """Where settings come from, and how their keys are spelled there."""

    EDITOR = "numpyro."
    PYPROJECT = "[tool.numpyro-lsp] "

    def key(self, name: str) -> str:
        first, *rest = name.split("_")
        if self is Source.PYPROJECT:
            return "-".join([first, *rest])
        return first + "".join(part.title() for part in rest)


@attrs.frozen
class SettingInfo:
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    # An extra check of the value: returns it (normalized) or raises ValueError.
    check: Callable[[Any], Any] | None = None
    # The key, where it is not the field's name (in camelCase or kebab-case).
    key: str | None = None
    # Where it is read: ``[tool.numpyro-lsp]`` too; by the server (else only the extension).
    pyproject: bool = False
    server: bool = True
    # Declared in the VS Code extension's package.json (with this ``scope``).
    vscode: bool = True
    scope: str | None = None


@attrs.frozen
class SectionInfo:
    doc: str
    pyproject: bool = False
    # In pyproject.toml its keys sit in ``[tool.numpyro-lsp]`` itself, not a table of their own.
    flat_in_pyproject: bool = False


def setting(default: Any, doc: str, **info: Any) -> Any:
    """A setting: its default and its documentation (Markdown), with ``SettingInfo``'s
    options."""
    value = attrs.Factory(lambda: default) if isinstance(default, dict | list) else default
    return attrs.field(default=value, metadata={"setting": SettingInfo(doc, **info)})


def section(cls: type, doc: str, **info: Any) -> Any:
    return attrs.field(factory=cls, metadata={"section": SectionInfo(doc, **info)})


def rule_codes(codes: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Rule codes or prefixes (``NPR0``), upper-cased; an unknown one is an error."""
    if codes is None:
        return None
    from numpyro_lsp.rules import RULES

    chosen = tuple(code.strip().upper() for code in codes)
    unknown = [c for c in chosen if not any(code.startswith(c) for code in RULES)]
    if unknown:
        raise ValueError(f"unknown rule code {', '.join(unknown)}")
    return chosen


def severities(levels: dict[str, str]) -> dict[str, str]:
    if not levels:
        return levels
    from numpyro_lsp.rules import RULES

    chosen = {code.strip().upper(): level for code, level in levels.items()}
    unknown = [code for code in chosen if code not in RULES]
    if unknown:
        raise ValueError(f"unknown rule code {', '.join(unknown)}")
    return chosen


CODES = "Rule codes or prefixes"


@attrs.frozen
class DiagnosticsSettings:
    enabled: bool = setting(True, "Check NumPyro code as you type.", pyproject=False)
    select: tuple[str, ...] | None = setting(
        None,
        f'{CODES} to run (`["NPR"]` for all). Empty: the rules that are on by default.',
        check=rule_codes,
        pyproject=True,
    )
    extend_select: tuple[str, ...] = setting(
        (), f"{CODES} to run besides those selected.", check=rule_codes, pyproject=True
    )
    ignore: tuple[str, ...] = setting(
        (), f"{CODES} never to run.", check=rule_codes, pyproject=True
    )
    severity: dict[str, SeverityName] = setting(
        {},
        "Severity of each check by its rule code, overriding the rule's own, for example "
        '`{"NPR001": "error", "NPR012": "off"}`.',
        check=severities,
        pyproject=True,
    )
    max_file_kb: int = setting(
        2000, "Larger files are not checked (a generated or data file, not a model).", minimum=1
    )

    @property
    def rules(self) -> RuleSettings:
        """Which rules run and how loud they are, for the rule engine."""
        from numpyro_lsp.rules.base import Severity
        from numpyro_lsp.rules.engine import RuleSettings

        return RuleSettings(
            select=frozenset(self.select) if self.select is not None else None,
            extend_select=frozenset(self.extend_select),
            ignore=frozenset(self.ignore),
            severity={
                code: None if level == "off" else Severity.parse(level)
                for code, level in self.severity.items()
            },
        )

    @property
    def max_check_chars(self) -> int:
        return self.max_file_kb * 1000


@attrs.frozen
class SmokeSettings:
    enabled: bool = setting(
        True,
        "Allow the NUTS smoke test, which runs the model's code. Always off in untrusted "
        "workspaces.",
    )
    warmup: int = setting(300, "Warmup steps of each chain.", minimum=0, pyproject=True)
    samples: int = setting(300, "Samples drawn by each chain.", minimum=1, pyproject=True)
    chains: int = setting(2, "Chains, run in turn on one device.", minimum=1, pyproject=True)
    seed: int = setting(0, "The random seed.", minimum=0, pyproject=True)
    # Seconds for one whole run, from the request to the report, a cold start included.
    timeout_s: float = setting(
        120.0,
        "Seconds before a run is stopped, from the request to the report.",
        minimum=1,
        key="timeout",
        pyproject=True,
    )
    open_report: bool = setting(
        True,
        "After a run, write its pictures (traces, ranks, densities, the pair plot of the "
        "divergences, energy) as an HTML file and ask the editor to open it "
        "(`window/showDocument`), where the editor can and has no pictures panel of its own "
        "(the VS Code extension has one).",
    )


@attrs.frozen
class InlayHintsSettings:
    enabled: bool = setting(False, "Show plate sizes and the support of each latent site inline.")


@attrs.frozen
class ShapesSettings:
    on_save: bool = setting(
        False,
        "Trace each model's shapes when the file is saved: inlay shapes after each site and "
        "plate, the shape table on hover, shape diagnostics. It runs the model's code once, "
        "under `jax.eval_shape` (no data computed, no sampling), in the smoke test's worker. "
        "The VS Code extension turns it on in trusted workspaces, and never in untrusted ones.",
    )


@attrs.frozen
class SnippetsSettings:
    # The VS Code extension contributes the same snippet file itself, and turns these off.
    enabled: bool = setting(True, "Offer the NumPyro snippets as completions.", vscode=False)


@attrs.frozen
class ServerProcessSettings:
    path: str = setting(
        "",
        "A `numpyro-lsp` executable you installed yourself (`pipx install numpyro-lsp`). Empty: "
        "the extension runs the server in an environment of its own, made on first start from "
        "the server it carries.",
        server=False,
        scope="machine-overridable",
    )
    args: tuple[str, ...] = setting(
        (),
        "Extra arguments for the server (after `numpyro-lsp`), for example "
        '`["--log-file", "/tmp/numpyro-lsp.log", "--log-level", "DEBUG"]`.',
        server=False,
        scope="resource",
    )


@attrs.frozen
class TraceSettings:
    server: TraceLevel = setting(
        "off",
        "Log the messages between VS Code and the server in the NumPyro output. Takes effect "
        "while that output's log level is Trace (the gear in the Output panel, or "
        "**Developer: Set Log Level...**).",
        server=False,
    )


@attrs.frozen
class Settings:
    interpreter: str = setting(
        "",
        "Your project's Python interpreter, the one with `numpyro` (nothing else is needed "
        "there): the server describes *its* numpyro and runs the smoke test with it. Empty: "
        "the Python extension's interpreter when it is installed, else `python3` on `PATH`.",
        scope="resource",
    )
    server: ServerProcessSettings = section(ServerProcessSettings, "The server process (VS Code)")
    debounce_ms: int = setting(
        300,
        "Milliseconds to wait after the last change before checking the document again.",
        minimum=0,
        maximum=5000,
    )
    kept_analysis_lines: int = setting(
        12000,
        "Lines of open documents whose parsed trees and analysis the server keeps between "
        "requests, about 4 KiB of memory per line; those used last keep theirs, and always "
        "the one used last. A document past it keeps its findings, and is parsed again when "
        "next asked about or edited, which takes as long as opening it did.",
        minimum=0,
    )
    exclude: tuple[str, ...] = setting(
        (),
        "Files and folders `numpyro-lsp check` skips: gitignore-style patterns, relative to "
        "the pyproject.toml that sets them.",
        pyproject=True,
        vscode=False,
    )
    diagnostics: DiagnosticsSettings = section(
        DiagnosticsSettings,
        "Diagnostics (docs/rules.md)",
        pyproject=True,
        flat_in_pyproject=True,
    )
    inlay_hints: InlayHintsSettings = section(InlayHintsSettings, "Inlay hints")
    snippets: SnippetsSettings = section(SnippetsSettings, "Snippets (docs/snippets.md)")
    smoke_test: SmokeSettings = section(
        SmokeSettings, "The NUTS smoke test (docs/smoke-test.md)", pyproject=True
    )
    shapes: ShapesSettings = section(ShapesSettings, "The shape lens (docs/shapes.md)")
    trace: TraceSettings = section(TraceSettings, "Tracing (VS Code)")


# Values are taken as they are: no string becomes a number, nor a number a boolean.
def _strict(kind: type, accepts: Callable[[Any], bool]) -> Callable[[Any, type], Any]:
    def structure(value: Any, _: type) -> Any:
        if isinstance(value, bool) and kind is not bool or not accepts(value):
            raise ValueError
        return kind(value)

    return structure


_converter = cattrs.Converter()
_converter.register_structure_hook(bool, _strict(bool, lambda v: isinstance(v, bool)))
_converter.register_structure_hook(
    int, _strict(int, lambda v: isinstance(v, int) or isinstance(v, float) and v.is_integer())
)
_converter.register_structure_hook(float, _strict(float, lambda v: isinstance(v, int | float)))
_converter.register_structure_hook(str, _strict(str, lambda v: isinstance(v, str)))


@functools.cache
def setting_fields(cls: type) -> tuple[attrs.Attribute, ...]:
    return attrs.fields(attrs.resolve_types(cls))


def optional_of(kind: Any) -> Any:
    """``X`` of ``X | None``, else None."""
    if get_origin(kind) in (Union, types.UnionType):
        others = [arg for arg in get_args(kind) if arg is not type(None)]
        if len(others) == 1:
            return others[0]
    return None


def expected(kind: Any, info: SettingInfo) -> str:
    """What a setting takes, in words: for problems and for docs/settings.md."""
    inner = optional_of(kind)
    if inner is not None:
        return expected(inner, info) + " or null"
    if get_origin(kind) is Literal:
        return "one of " + ", ".join(f"`{choice}`" for choice in get_args(kind))
    if get_origin(kind) is tuple:
        return "a list of strings"
    if get_origin(kind) is dict:
        return "an object mapping rule codes to " + expected(get_args(kind)[1], info)
    words = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}
    text = words[kind]
    if info.minimum is not None and info.maximum is not None:
        return f"{text} from {info.minimum:g} to {info.maximum:g}"
    if info.minimum is not None:
        return f"{text} of at least {info.minimum:g}"
    return text


def _value(field: attrs.Attribute, info: SettingInfo, value: Any) -> Any:
    kind = optional_of(field.type) or field.type
    container = {tuple: list | tuple, dict: dict}.get(get_origin(kind))
    if value is not None and container is not None and not isinstance(value, container):
        raise ValueError(f"expected {expected(field.type, info)}")
    try:
        result = _converter.structure(value, field.type)
    except Exception as error:  # cattrs raises its own groups of errors
        raise ValueError(f"expected {expected(field.type, info)}") from error
    if isinstance(result, int | float) and not (
        (info.minimum is None or result >= info.minimum)
        and (info.maximum is None or result <= info.maximum)
    ):
        raise ValueError(f"expected {expected(field.type, info)}")
    return info.check(result) if info.check is not None else result


def key_of(field: attrs.Attribute, source: Source) -> str:
    info = field.metadata.get("setting")
    if info is not None and info.key is not None:
        return info.key
    return source.key(field.name)


# Reports a problem: what is wrong, then what is done instead.
Report = Callable[[str, str], None]


def _read(
    cls: type[T], raw: dict, base: T, source: Source, prefix: str, report: Report
) -> tuple[T, set[str]]:
    """``base`` with the settings of ``raw`` applied; returns the keys of ``raw`` it used."""
    changes: dict[str, Any] = {}
    used: set[str] = set()
    for field in setting_fields(cls):
        info = field.metadata.get("setting") or field.metadata["section"]
        if source is Source.PYPROJECT and not info.pyproject:
            continue
        key = key_of(field, source)
        if "section" in field.metadata:
            flat = source is Source.PYPROJECT and info.flat_in_pyproject
            if not flat and key not in raw:
                continue
            table = raw if flat else raw[key]
            if not isinstance(table, dict):
                report(f"{prefix}{key}: expected an object", "using the defaults")
                used.add(key)
                continue
            inner_prefix = prefix if flat else f"{prefix}{key}."
            changes[field.name], inner_used = _read(
                field.type, table, getattr(base, field.name), source, inner_prefix, report
            )
            used |= inner_used if flat else {key}
            if not flat:
                for name in table:
                    if name not in inner_used:
                        report(f"{inner_prefix}{name}: unknown setting", "ignored")
            continue
        if key not in raw:
            continue
        used.add(key)
        try:
            changes[field.name] = _value(field, info, raw[key])
        except ValueError as error:
            default = getattr(base, field.name)
            report(f"{prefix}{key}: {error}, got {raw[key]!r}", f"using {_shown(default)}")
    return attrs.evolve(base, **changes), used


def _shown(value: Any) -> str:
    return f"the default {value!r}" if value not in ((), {}, "", None) else "the default"


def read(
    raw: Any,
    cls: type[T] = Settings,  # type: ignore[assignment]
    *,
    base: T | None = None,
    source: Source = Source.EDITOR,
    prefix: str | None = None,
    say_fallback: bool = True,
) -> tuple[T, list[str]]:
    """Settings of class ``cls`` from ``raw`` (the defaults, or ``base``, for what it does not
    set or sets wrongly), and the problems to show the user, each naming its setting and,
    unless ``say_fallback`` is false (a caller that refuses wrong settings), what is used
    instead."""
    base = base if base is not None else cls()
    prefix = source.value if prefix is None else prefix
    problems: list[str] = []

    def report(problem: str, fallback: str) -> None:
        problems.append(f"{problem} ({fallback})" if say_fallback else problem)

    if raw is None:
        return base, []
    if not isinstance(raw, dict):
        report(f"{prefix.strip()}: expected an object, got {raw!r}", "using the defaults")
        return base, problems
    settings, used = _read(cls, raw, base, source, prefix, report)
    for key in raw:
        if key not in used:
            report(f"{prefix}{key}: unknown setting", "ignored")
    return settings, problems
