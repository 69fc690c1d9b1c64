"""The diagnostics store: each source's list moves with its lines when the text changes,
loses what an edit touched, and a list computed for an older version is moved through the
edits made since."""

from __future__ import annotations

from lsprotocol import types

from numpyro_lsp.features.diagnostic_store import DiagnosticsStore

URI = "file:///m.py"


def diagnostic(line: int, start: int, end: int, source: str = "smoke") -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(types.Position(line, start), types.Position(line, end)),
        message=f"at {line}",
        source=source,
    )


def change(line: int, character: int, end_line: int, end_character: int, text: str):
    return types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(line, character), types.Position(end_line, end_character)),
        text=text,
    )


def store(rechecked=frozenset()) -> tuple[DiagnosticsStore, list[types.PublishDiagnosticsParams]]:
    sent: list[types.PublishDiagnosticsParams] = []
    found = DiagnosticsStore(sent.append, rechecked)
    found.opened(URI, 1)
    return found, sent


def ranges(params: types.PublishDiagnosticsParams) -> list[tuple[int, int, int]]:
    return [
        (d.range.start.line, d.range.start.character, d.range.end.character)
        for d in params.diagnostics
    ]


def test_lines_inserted_above_move_findings_down_under_the_new_version():
    found, sent = store()
    found.set(URI, "smoke", [diagnostic(5, 4, 9), diagnostic(1, 0, 3)], 1)
    found.edited(URI, 2, [change(2, 0, 2, 0, "a\nb\nc\n")])
    assert sent[-1].version == 2
    assert ranges(sent[-1]) == [(8, 4, 9), (1, 0, 3)]


def test_an_edit_inside_a_finding_withdraws_it_and_one_before_it_on_its_line_shifts_it():
    found, sent = store()
    found.set(URI, "smoke", [diagnostic(3, 10, 15), diagnostic(4, 4, 8)], 1)
    found.edited(URI, 2, [change(3, 12, 3, 13, "xy"), change(4, 0, 4, 0, "    ")])
    assert ranges(sent[-1]) == [(4, 8, 12)]


def test_a_joined_line_moves_a_finding_onto_the_line_above():
    found, sent = store()
    found.set(URI, "smoke", [diagnostic(2, 4, 6)], 1)
    found.edited(URI, 2, [change(1, 5, 2, 0, "")])  # the line break before line 2 deleted
    assert ranges(sent[-1]) == [(1, 9, 11)]


def test_a_list_computed_for_an_older_version_is_moved_through_the_later_edits():
    found, sent = store()
    found.edited(URI, 2, [change(0, 0, 0, 0, "# one\n")])
    found.edited(URI, 3, [change(0, 0, 0, 0, "# two\n# three\n")])
    found.set(URI, "smoke", [diagnostic(6, 0, 4)], 1)
    assert sent[-1].version == 3 and ranges(sent[-1]) == [(9, 0, 4)]


def test_sources_are_published_together_and_a_rechecked_source_waits_for_its_check():
    found, sent = store(rechecked=frozenset({"numpyro"}))
    found.set(URI, "numpyro", [diagnostic(2, 0, 1, "numpyro")], 1)
    count = len(sent)
    found.edited(URI, 2, [change(0, 0, 0, 0, "\n")])
    assert len(sent) == count  # only the check's list moved: its check publishes
    found.set(URI, "smoke", [diagnostic(4, 0, 1)], 2)
    assert sent[-1].version == 2 and ranges(sent[-1]) == [(3, 0, 1), (4, 0, 1)]
    found.edited(URI, 3, [change(0, 0, 0, 0, "\n")])
    assert sent[-1].version == 3 and ranges(sent[-1]) == [(4, 0, 1), (5, 0, 1)]


def test_a_change_of_the_whole_text_withdraws_the_findings_it_cannot_place():
    found, sent = store()
    found.set(URI, "smoke", [diagnostic(2, 0, 1)], 1)
    found.edited(URI, 2, [types.TextDocumentContentChangeWholeDocument(text="x = 1\n")])
    assert sent[-1].version == 2 and sent[-1].diagnostics == []
