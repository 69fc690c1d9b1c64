"""Unit tests of the text analysis under completion, hover and signature help."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from numpyro_lsp.analysis.context import (
    AttributeCompletion,
    ImportFromCompletion,
    ModulePathCompletion,
    completion_context,
    continues_statement,
    dotted_name_at,
    open_calls,
)
from numpyro_lsp.analysis.imports import bindings_from_broken_source
from numpyro_lsp.analysis.text import (
    column_from_utf8,
    column_from_utf16,
    column_to_utf16,
    line_count,
    split_lines,
)


def test_bindings_of_every_import_form():
    source = (
        "import numpyro\n"
        "import numpyro.distributions as dist\n"
        "from numpyro import handlers as H, infer\n"
        "from numpyro.infer import (\n    MCMC,\n    NUTS as Nuts,\n)\n"
        "def f(:\n    import numpyro.infer.autoguide as ag\n"
    )
    assert bindings_from_broken_source(source) == {
        "numpyro": "numpyro",
        "dist": "numpyro.distributions",
        "H": "numpyro.handlers",
        "infer": "numpyro.infer",
        "MCMC": "numpyro.infer.MCMC",
        "Nuts": "numpyro.infer.NUTS",
        "ag": "numpyro.infer.autoguide",
    }


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("x = dist.No", AttributeCompletion(["dist"], "No")),
        ("x = numpyro.infer.", AttributeCompletion(["numpyro", "infer"], "")),
        ("x = f(dist . ", AttributeCompletion(["dist"], "")),
        ("from numpyro.infer import MCMC, NU", ImportFromCompletion("numpyro.infer", "NU")),
        ("from numpyro.infer import (", ImportFromCompletion("numpyro.infer", "")),
        ("import numpyro.inf", ModulePathCompletion(["numpyro"], "inf")),
        ("x = 'dist.", None),
        ("x = 1  # dist.", None),
        ("x = foo().dist.", None),
        ("x = 3.", None),
    ],
)
def test_completion_context(prefix, expected):
    assert completion_context(prefix) == expected


@pytest.mark.parametrize(
    ("text_before_line", "expected"),
    [
        ("", False),
        ("x = 1\n", False),
        ("mcmc.run(\n", True),
        ("mcmc.run(key,\n    X)\n", False),
        ("config = {'theta': [\n", True),
        ('"""A docstring\n', True),
        ('"""A docstring"""\n', False),
        ("s = '''(\n'''\n", False),
        ("total = 1 + \\\n", True),
        ("x = 1  # a comment with (\n", False),
        ("s = '('\n", False),
        ('s = "\\"("\n', False),
        # An unterminated one-line string ends at the line break.
        ('s = "(\n', False),
        ("f(')',\n", True),
    ],
)
def test_continues_statement(text_before_line, expected):
    assert continues_statement(text_before_line) is expected


def test_dotted_name_at():
    line = "theta = numpyro.sample('theta', dist.Normal(mu, tau))"
    name = dotted_name_at(line, line.index("Normal") + 2)
    assert (name.parts, line[name.start : name.end]) == (["dist", "Normal"], "Normal")
    assert dotted_name_at(line, line.index("dist") + 1).parts == ["dist"]
    assert dotted_name_at(line, line.index("sample")).parts == ["numpyro", "sample"]
    assert dotted_name_at("f().Normal", 6) is None


def test_open_calls_innermost_first():
    calls = open_calls("x = dist.Normal(jnp.zeros((3, 2)), scale=f(1, ")
    assert [c.callee for c in calls] == [["f"], ["dist", "Normal"]]
    assert calls[0].argument_index == 1
    assert (calls[1].argument_index, calls[1].keyword) == (1, "scale")
    assert open_calls("dist.Normal(0, 1)") == []


@pytest.mark.parametrize("line", ["abc", "a🎲b", "🎲🎲x", "tab\there", ""])
def test_utf16_columns_round_trip(line):
    for column in range(len(line) + 1):
        assert column_from_utf16(line, column_to_utf16(line, column)) == column


def test_split_lines_like_lsp():
    assert split_lines("a\r\nb\rc\nd\x0ce") == ["a", "b", "c", "d\x0ce"]


@given(st.text(alphabet="a\r\n\x0c"))
def test_line_count_is_how_many_lines_split_lines_gives(text):
    assert line_count(text) == len(split_lines(text))


def test_utf8_byte_columns_from_ast():
    line = "x = ('🎲é', dist.HalfNormal(-1))"
    byte_column = line.encode("utf-8").index(b"-1")
    assert column_from_utf8(line, byte_column) == line.index("-1")
