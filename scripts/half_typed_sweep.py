"""Type unfinished text at the edges of functions in code you did not write, and see what
it changes: ``python scripts/half_typed_sweep.py FOLDER [FOLDER ...] [--json OUT]``.

For each ``.py`` and ``.ipynb`` file under the folders, in its first, middle and last
top-level function or class, one line of unfinished text is typed at the end of the body,
in its middle and at column 0 after it, one edit at a time. Each edited file is checked the
way the editor checks it (analysis/recovery.py reads around what does not parse), and
compared with the unedited file's findings:

- outside the edited statement, every finding must stay, at its line moved by the typed
  one, and none may appear;
- inside it, the findings kept are counted.

Messages are compared with their line numbers left out (``on line 12`` moves with the
typed line).

With ``--actions``, it sweeps the code actions instead: for every finding that offers some
(a quick fix, the non-centering rewrites of a centered site), each text of ``IN_BODY`` is
typed on another line of the function that holds the finding, and the actions at the
finding must be the same, and make the same edits around the typed line.

tests/test_realcode_half_typed.py holds a few of these edits on the real-code corpus; this
sweeps any folder, for a change to analysis/recovery.py. Run it with
``PYTHONPATH=<another checkout>/server`` to sweep that tree's code instead.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

from numpyro_lsp.actions import Action, non_center_actions, quick_fixes
from numpyro_lsp.analysis.document import ParsedDocument
from numpyro_lsp.analysis.layout import statement_start
from numpyro_lsp.analysis.notebook import NotebookFileError, read_notebook_file
from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.features.fix_payloads import fix_data, fix_of
from numpyro_lsp.rewrite.edits import apply_edits
from numpyro_lsp.rules.base import Finding as RuleFinding
from numpyro_lsp.rules.engine import RuleSettings, run_rules

# What a user leaves while typing a line of a body: open brackets and strings, block
# headers with no body yet, dangling operators, wrong indentation.
IN_BODY = [
    "a = D.",
    "x = foo(",
    's = "abc',
    '"""Draw',
    "if x",
    "y = [1, 2",
    "return jnp.",
    'z = f"{',
    "t = {'a':",
    'with numpyro.plate("n", 3) as',
    'with numpyro.plate("n", 3):',
    "try:",
    "else:",
    "x: int =",
    "f = lambda x:",
    "for i in range(",
    'mu = numpyro.sample("mu", dist.Normal(0, 1)',
    ")",
    "  x = 1",
    "    z = 2",
    "\tz = 3",
    "except:",
    "y = x +",
]
# What a user leaves at column 0 between two statements.
AT_COLUMN_0 = [
    "def probe(:",
    "@",
    "@handlers.",
    "class K(",
    "mcmc.",
    "x = ",
    "from numpyro import (",
    "if __name__ ==",
    "kernel = NUTS(",
    'with numpyro.plate("n", 3):',
]
_LINE_NUMBER = re.compile(r"\bline \d+")

Finding = tuple[int, int, str, str]  # line, column, code, message without line numbers


def findings(
    source: str, catalog, settings: RuleSettings, cell_starts: tuple[int, ...] = ()
) -> set[Finding] | None:
    document = ParsedDocument("file:///sweep.py", 1, source, cell_starts=cell_starts)
    analysis = document.analysis(catalog)
    if analysis is None:
        return None
    found = run_rules(analysis, document.lines, settings)
    return {
        (f.span.line, f.span.column, f.code, _LINE_NUMBER.sub("line N", f.message)) for f in found
    }


def edits(tree: ast.Module):
    """(where, 0-based line the typed text becomes, the text, first and last line of the
    statement it is typed in or after)."""
    statements = [
        s for s in tree.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    if not statements:
        return
    picked = {id(s): s for s in (statements[0], statements[len(statements) // 2], statements[-1])}
    for statement in picked.values():
        first = statement_start(statement) + 1
        body = statement.body
        indent = " " * body[0].col_offset
        middle = body[len(body) // 2].lineno - 1
        for typed in IN_BODY:
            text = typed if typed[:1] in (" ", "\t") else indent + typed
            yield "end", statement.end_lineno, text, first, statement.end_lineno
            yield "middle", middle, text, first, statement.end_lineno
        for typed in AT_COLUMN_0:
            yield "after", statement.end_lineno, typed, first, statement.end_lineno


def with_line_at(cell_starts: tuple[int, ...], at: int) -> tuple[int, ...]:
    """A notebook's cell starts once a line is typed at 0-based line ``at``: the line joins
    the cell above it (text typed after a cell's last statement is that cell's)."""
    return tuple(start + (start >= at) for start in cell_starts)


def sweep_file(
    source: str, catalog, settings: RuleSettings, cell_starts: tuple[int, ...] = ()
) -> list[dict]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    unedited = findings(source, catalog, settings, cell_starts)
    if unedited is None:
        return []
    lines = source.split("\n")
    results = []
    for where, at, typed, first, last in edits(tree):
        edited_source = "\n".join([*lines[:at], typed, *lines[at:]])
        edited = findings(edited_source, catalog, settings, with_line_at(cell_starts, at))
        typed_line = at + 1
        if edited is None:
            results.append({"where": where, "typed": typed, "unread": True})
            continue
        moved = {
            (line - (line > typed_line), column, code, message)
            for line, column, code, message in edited
            if line != typed_line
        }
        before_out = {f for f in unedited if not first <= f[0] <= last}
        after_out = {f for f in moved if not first <= f[0] <= last}
        before_in = unedited - before_out
        results.append(
            {
                "where": where,
                "typed": typed,
                "line": typed_line,
                "lost_outside": sorted(before_out - after_out),
                "gained_outside": sorted(after_out - before_out),
                "inside": len(before_in),
                "kept_inside": len(before_in & moved),
            }
        )
    return results


def actions_at(document: ParsedDocument, analysis, finding: RuleFinding) -> list[Action]:
    """The code actions the editor offers at a finding (features/code_actions.py)."""
    found = []
    fix = fix_of(fix_data(finding.fix))  # through the diagnostic's data, as the editor sends it
    if fix is not None:
        found += quick_fixes(document, analysis, finding.code, finding.span, fix)
    if finding.code == "NPR012":
        found += non_center_actions(document, analysis, finding.span)
    return found


def checked(source: str, catalog, settings: RuleSettings, cell_starts: tuple[int, ...] = ()):
    document = ParsedDocument("file:///sweep.py", 1, source, cell_starts=cell_starts)
    analysis = document.analysis(catalog)
    found = [] if analysis is None else run_rules(analysis, document.lines, settings)
    return document, analysis, found


def elsewhere_in_function(tree: ast.Module, line: int) -> tuple[int, int] | None:
    """Where to type in the innermost function holding ``line`` (1-based), away from the
    statement at ``line``: after its body, else above that statement (0-based line, and
    the body's indentation)."""
    holders = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.lineno <= line <= node.end_lineno
    ]
    if not holders:
        return None
    body = min(holders, key=lambda node: node.end_lineno - node.lineno).body
    if not body[-1].lineno <= line <= body[-1].end_lineno:
        return body[-1].end_lineno, body[-1].col_offset
    holding = next(s for s in body if s.lineno <= line <= s.end_lineno)
    return (statement_start(holding), holding.col_offset) if holding is not body[0] else None


def one_line_apart(before: str, after: str, line: str) -> bool:
    """Whether ``after`` is ``before`` with ``line`` inserted once, and nothing else."""
    differences = SequenceMatcher(None, before.split("\n"), after.split("\n"), False)
    changes = [op for op in differences.get_opcodes() if op[0] != "equal"]
    if len(changes) != 1 or changes[0][0] != "insert":
        return False
    _, _, _, first, last = changes[0]
    return after.split("\n")[first:last] == [line]


def sweep_actions(
    source: str, catalog, settings: RuleSettings, cell_starts: tuple[int, ...] = ()
) -> list[dict]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    document, analysis, unedited = checked(source, catalog, settings, cell_starts)
    lines = source.split("\n")
    results = []
    for finding in unedited:
        offered = actions_at(document, analysis, finding)
        place = elsewhere_in_function(tree, finding.span.line) if offered else None
        if place is None:
            continue
        at, indent = place
        for typed in IN_BODY:
            line = " " * indent + typed.strip()
            edited_source = "\n".join([*lines[:at], line, *lines[at:]])
            edited, edited_analysis, found = checked(
                edited_source, catalog, settings, with_line_at(cell_starts, at)
            )
            moved = finding.span.line + (finding.span.line > at)
            same = [
                f
                for f in found
                if (f.code, f.span.line, f.span.column)
                == (finding.code, moved, finding.span.column)
            ]
            now = actions_at(edited, edited_analysis, same[0]) if same else []
            expected = {a.title: apply_edits(source, a.edits) for a in offered}
            made = {a.title: apply_edits(edited_source, a.edits) for a in now}
            results.append(
                {
                    "line": finding.span.line,
                    "code": finding.code,
                    "typed": typed,
                    "lost": sorted(set(expected) - set(made)),
                    "changed": sorted(
                        title
                        for title, text in expected.items()
                        if title in made and not one_line_apart(text, made[title], line)
                    ),
                    "actions": len(expected),
                }
            )
    return results


def sources(folders: list[Path]):
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            cell_starts: tuple[int, ...] = ()
            try:
                if path.suffix == ".py":
                    text = path.read_text(encoding="utf-8")
                elif path.suffix == ".ipynb":
                    program = read_notebook_file(path)
                    text, cell_starts = program.source, program.cell_starts
                else:
                    continue
            except (OSError, UnicodeDecodeError, NotebookFileError):
                continue
            if "numpyro" in text:
                yield path, text, cell_starts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="write every edit's result here")
    parser.add_argument("--actions", action="store_true", help="sweep the code actions")
    args = parser.parse_args()
    catalog = load_catalog().catalog
    settings = RuleSettings(select=frozenset({"NPR"}))
    if args.actions:
        return report_actions(args, catalog, settings)
    everything = []
    for path, text, cell_starts in sources(args.folders):
        try:
            for result in sweep_file(text, catalog, settings, cell_starts):
                everything.append({"file": str(path), **result})
        except RecursionError:
            print(f"{path}: nested deeper than the analysis follows", file=sys.stderr)
    changed = [r for r in everything if r.get("lost_outside") or r.get("gained_outside")]
    for result in changed:
        print(
            f"{result['file']}:{result['line']}: typed {result['typed']!r} ({result['where']}): "
            f"lost {[f[:3] for f in result['lost_outside']]}, "
            f"gained {[f[:3] for f in result['gained_outside']]}"
        )
    inside = sum(r.get("inside", 0) for r in everything)
    kept = sum(r.get("kept_inside", 0) for r in everything)
    print(
        f"{len(everything)} edits in {len({r['file'] for r in everything})} files: "
        f"findings outside the edited statement changed in {len(changed)} "
        f"{dict(Counter(r['typed'] for r in changed))}; "
        f"{sum(1 for r in everything if r.get('unread'))} not read at all; "
        f"inside it, {kept} of {inside} findings kept"
    )
    return written(args.json, everything)


def written(path: Path | None, everything: list[dict]) -> int:
    """Every edit's result as JSON at ``path`` (``--json``), if asked; the exit status."""
    if path:
        path.write_text(json.dumps(everything, indent=1))
    return 0


def report_actions(args, catalog, settings: RuleSettings) -> int:
    everything = []
    for path, text, cell_starts in sources(args.folders):
        results = sweep_actions(text, catalog, settings, cell_starts)
        everything += [{"file": str(path), **r} for r in results]
    broken = [r for r in everything if r["lost"] or r["changed"]]
    for result in broken:
        print(
            f"{result['file']}:{result['line']}: {result['code']}, typed {result['typed']!r}: "
            f"lost {result['lost']}, edit changed {result['changed']}"
        )
    print(
        f"{len(everything)} edits in {len({r['file'] for r in everything})} files, "
        f"{sum(r['actions'] for r in everything)} actions offered before them: "
        f"{len(broken)} edits lost or changed an action"
    )
    return written(args.json, everything)


if __name__ == "__main__":
    raise SystemExit(main())
