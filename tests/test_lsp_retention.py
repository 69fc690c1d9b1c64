"""Open documents past ``keptAnalysisLines`` are released (features/retention.py): their
findings stay published, and asked about or edited again, they answer as if never released.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types

from conftest import EXAMPLES, code_actions

EIGHT_SCHOOLS = (EXAMPLES / "eight_schools.py").read_text()
LINES = EIGHT_SCHOOLS.count("\n") + 1
THREE_LINES = "# one\n# two\n# three\n"


async def server_info(client) -> dict:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.serverInfo")
    )


async def analysed(client) -> list[str]:
    return (await server_info(client))["analysedDocuments"]


def found(params: types.PublishDiagnosticsParams) -> list[tuple[str, int, int, str]]:
    return sorted(
        (str(d.code), d.range.start.line, d.range.start.character, d.message)
        for d in params.diagnostics
    )


async def test_the_documents_used_longest_ago_are_released_and_answer_when_asked(client, editor):
    # Room for one eight schools, not two.
    kept = LINES + LINES // 2
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {"keptAnalysisLines": kept}})
    )
    assert (await server_info(client))["settings"] == {"keptAnalysisLines": kept}

    first_uri = editor.uri_for("kept_first.py")
    first = await client.published.after(
        first_uri, lambda: editor.open("kept_first.py", EIGHT_SCHOOLS)
    )
    assert found(first), "eight schools has findings to keep"
    assert await analysed(client) == [first_uri]

    second_uri = editor.uri_for("kept_second.py")
    await client.published.after(second_uri, lambda: editor.open("kept_second.py", EIGHT_SCHOOLS))
    assert await analysed(client) == [second_uri]
    # Its findings stay published: no diagnostics were sent for it since.
    assert client.published.log[-1].uri == second_uri

    # Asked again, the released document answers: the non-centering actions on ``theta``.
    theta = [d for d in first.diagnostics if d.code == "NPR012"]
    actions = await code_actions(client, editor, first_uri, '"theta"', 2, theta)
    assert "Non-center `theta` with LocScaleReparam" in [action.title for action in actions]
    assert sorted(await analysed(client)) == sorted([first_uri, second_uri])

    # Edited, it is checked whole again: the findings a first check gives, three lines down;
    # the other document, now used longest ago, is released in its turn.
    moved = await client.published.after(
        first_uri,
        lambda: editor.change(
            first_uri,
            (types.Range(types.Position(0, 0), types.Position(0, 0)), THREE_LINES),
        ),
    )
    assert found(moved) == [(code, line + 3, column, m) for code, line, column, m in found(first)]
    assert await analysed(client) == [first_uri]


async def test_documents_within_kept_lines_keep_their_analysis(client, editor):
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"numpyro": {"keptAnalysisLines": 3 * LINES + 3}}
        )
    )
    await server_info(client)
    uris = []
    for name in ("kept_a.py", "kept_b.py", "kept_c.py"):
        uri = editor.uri_for(name)
        await client.published.after(uri, lambda name=name: editor.open(name, EIGHT_SCHOOLS))
        uris.append(uri)
    assert set(uris) <= set(await analysed(client))


async def test_a_settings_change_checks_every_document_and_keeps_within_kept_lines(client, editor):
    kept = LINES + LINES // 2
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {"keptAnalysisLines": kept}})
    )
    await server_info(client)
    first_uri, last_uri = editor.uri_for("settings_first.py"), editor.uri_for("settings_last.py")
    opened = await client.published.after(
        first_uri, lambda: editor.open("settings_first.py", EIGHT_SCHOOLS)
    )
    assert "NPR012" in {str(d.code) for d in opened.diagnostics}
    await client.published.after(last_uri, lambda: editor.open("settings_last.py", EIGHT_SCHOOLS))
    assert await analysed(client) == [last_uri]

    # A new setting checks both documents again (the released one is parsed for it) ...
    start = len(client.published.log)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"numpyro": {"keptAnalysisLines": kept, "diagnostics": {"ignore": ["NPR012"]}}}
        )
    )
    async with asyncio.timeout(10):
        while {first_uri, last_uri} - {p.uri for p in client.published.log[start:]}:
            await asyncio.sleep(0.02)
    rechecked = {p.uri: p for p in client.published.log[start:]}
    assert "NPR012" not in {str(d.code) for p in rechecked.values() for d in p.diagnostics}
    # ... and afterwards only the document the user used last keeps its analysis.
    assert await analysed(client) == [last_uri]
