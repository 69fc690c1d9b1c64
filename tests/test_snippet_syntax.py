"""The expander of VS Code's snippet syntax: what each construct gives with its defaults."""

from __future__ import annotations

import pytest

from numpyro_lsp.snippets.syntax import (
    Choice,
    Placeholder,
    SnippetSyntaxError,
    Tabstop,
    Text,
    Variable,
    expand,
    parse,
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("plain text", "plain text"),
        ("a$1b${2}c$0", "abc"),
        ("NUTS(${1:model})", "NUTS(model)"),
        ("${1:outer ${2:inner} end}", "outer inner end"),
        ("${1:a ${2:b ${3:c}}}", "a b c"),
        ("${1|parallel,sequential|}", "parallel"),
        ("${1|a\\,b,c|}", "a,b"),
        ("${1|x\\|y|}", "x|y"),
    ],
)
def test_tabstops_placeholders_and_choices(body, expected):
    assert expand(body) == expected


def test_tabstops_mirror_a_placeholder_wherever_they_are():
    assert expand("$1 = ${1:mcmc}; print(${1})") == "mcmc = mcmc; print(mcmc)"
    # The first placeholder with an index sets it; a later one mirrors it.
    assert expand("${1:first} ${1:second}") == "first first"
    # A nested placeholder mirrored outside its parent.
    assert expand("${1:f(${2:x})} $2") == "f(x) x"
    assert expand("${1|a,b|} $1") == "a a"


@pytest.mark.parametrize(
    ("body", "variables", "expected"),
    [
        ("$TM_FILENAME", {"TM_FILENAME": "model.py"}, "model.py"),
        ("${TM_FILENAME_BASE}_samples", {"TM_FILENAME_BASE": "model"}, "model_samples"),
        ("${TM_FILENAME_BASE:posterior}", {"TM_FILENAME_BASE": "fit"}, "fit"),
        # Known but empty, or not given at all: the default.
        ("${TM_SELECTED_TEXT:default}", {"TM_SELECTED_TEXT": ""}, "default"),
        ("${TM_FILENAME_BASE:posterior}", {}, "posterior"),
        ("${1:${TM_FILENAME_BASE:posterior}_samples}.npz", {}, "posterior_samples.npz"),
        # Known and empty without default: nothing; unknown without default: its name.
        ("[$TM_SELECTED_TEXT]", {"TM_SELECTED_TEXT": ""}, "[]"),
        ("[$NOT_A_VARIABLE]", {}, "[NOT_A_VARIABLE]"),
    ],
)
def test_variables(body, variables, expected):
    assert expand(body, variables) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("\\$1", "$1"),
        ("\\${1:x}", "${1:x}"),
        ("${1:a\\}b}", "a}b"),
        ("\\\\", "\\"),
        # A backslash before anything else is itself.
        ("\\n and \\d", "\\n and \\d"),
        # A ``$`` that starts nothing, and a ``}`` that closes nothing, are text.
        ("cost: 5$ {x}", "cost: 5$ {x}"),
        ('f"{value}"', 'f"{value}"'),
    ],
)
def test_escapes_and_plain_dollars_and_braces(body, expected):
    assert expand(body) == expected


def test_parse_gives_nodes():
    assert parse("x = ${1:f($2)} ${3|a,b|} ${NAME:d}$0") == (
        Text("x = "),
        Placeholder(1, (Text("f("), Tabstop(2), Text(")"))),
        Text(" "),
        Choice(3, ("a", "b")),
        Text(" "),
        Variable("NAME", (Text("d"),)),
        Tabstop(0),
    )


@pytest.mark.parametrize(
    "body",
    [
        "${1:unterminated",
        "${1|a,b",
        "${",
        "${-}",
        "${1x}",
        "${1/(.*)/$1/}",
        "${TM_FILENAME/(.*)/$1/}",
        "${NAME:unterminated",
    ],
)
def test_malformed_bodies_are_refused(body):
    with pytest.raises(SnippetSyntaxError):
        parse(body)
