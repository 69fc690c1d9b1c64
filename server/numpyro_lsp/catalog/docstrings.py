"""NumPyro's Sphinx docstrings as the Markdown that hovers and completion items show.

The builder (build.py) runs in the project's interpreter, where only numpyro is installed, so
it hands the docstrings over as they are; the server renders them here when it stores a fresh
build.
"""

from __future__ import annotations

import inspect
import re

import docstring_to_markdown

_ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|attr|mod|obj|data|exc|ref):`~?([^`<]+?)(?:\s*<[^>]*>)?`"
)
_TILDE_CODE = re.compile(r"`~([\w.]+)`")
_DIRECTIVE_LINE = re.compile(
    r"^\s*\.\. (?:doctest|testcode|testoutput|currentmodule)(?:::?)?.*$", re.M
)


_OTHER_DIRECTIVE = re.compile(r"^(\s*)\.\. (\w+)::?\s*", re.M)
# Field lines docstring-to-markdown leaves alone (``:param int | None length: ...``).
_FIELD_PARAM = re.compile(r"^(\s*):param\s+(?:(.+?)\s+)?(\w+):\s*", re.M)
_FIELD_OTHER = re.compile(r"^(\s*):(returns?|rtype|raises?\s*\w*|type\s+\w+):\s*", re.M)


def _field_lines_as_markdown(markdown: str) -> str:
    markdown = _FIELD_PARAM.sub(
        lambda m: (
            f"{m.group(1)}- `{m.group(3)}`" + (f" (`{m.group(2)}`): " if m.group(2) else ": ")
        ),
        markdown,
    )
    return _FIELD_OTHER.sub(lambda m: f"{m.group(1)}- *{m.group(2).strip()}*: ", markdown)


_DISPLAY_MATH = re.compile(r"\$\$\n?(.*?)\n?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\$\\])\$([^\$\n]+?)\$")


def _math_as_code(markdown: str) -> str:
    """Editors' hovers do not render LaTeX: show it as code rather than as ``$$...$$``."""
    markdown = _DISPLAY_MATH.sub(lambda m: f"```latex\n{m.group(1).strip()}\n```", markdown)
    return _INLINE_MATH.sub(lambda m: f"`{m.group(1)}`", markdown)


def render_docstring(doc: str | None) -> str:
    """Numpyro's Sphinx docstring as clean Markdown."""
    if not doc:
        return ""
    text = inspect.cleandoc(doc)
    text = _ROLE.sub(lambda m: f"`{m.group(1).strip()}`", text)
    try:
        markdown = docstring_to_markdown.convert(text)
    except docstring_to_markdown.UnknownFormatError:
        markdown = text
    markdown = _TILDE_CODE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", markdown)
    markdown = _DIRECTIVE_LINE.sub("", _field_lines_as_markdown(_math_as_code(markdown)))
    # Any other directive left over (numpyro has ``.. warnings:``) reads as a bold label.
    markdown = _OTHER_DIRECTIVE.sub(lambda m: f"{m.group(1)}**{m.group(2).title()}**: ", markdown)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()


def summary_of(markdown: str) -> str:
    paragraph = markdown.split("\n\n", 1)[0]
    return " ".join(line.strip() for line in paragraph.splitlines()).strip()


def with_markdown(raw: dict) -> dict:
    """The builder's output with each docstring rendered: objects get ``doc`` and ``summary``
    (a distribution without a docstring gets the builder's summary from its facts), modules
    a one-line ``doc``."""
    objects = {}
    for key, entry in raw["objects"].items():
        entry = dict(entry)
        markdown = render_docstring(entry.pop("docstring", ""))
        fallback = entry.pop("fallback_summary", "")
        objects[key] = {**entry, "doc": markdown, "summary": summary_of(markdown) or fallback}
    modules = {}
    for name, module in raw["modules"].items():
        module = dict(module)
        module["doc"] = summary_of(render_docstring(module.pop("docstring", "")))
        modules[name] = module
    return {**raw, "modules": modules, "objects": objects}
