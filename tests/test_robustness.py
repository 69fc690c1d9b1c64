"""The server under bad input: random edit sequences, malformed messages, unknown methods and
documents, huge and deeply nested files, cancellation, many open documents. It never dies,
answers every request, and every range it returns lies inside the document."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdio_client import StdioClient

from conftest import EXAMPLES

EXAMPLE = (EXAMPLES / "eight_schools.py").read_text()
FRAGMENTS = [
    "dist.",
    "numpyro.sample(",
    "dist.Normal(",
    "(",
    ")",
    "[",
    '"',
    "'''",
    "🎲",
    "é",
    "\r\n",
    "\n",
    "\t",
    "    ",
    "with numpyro.plate('J', J):\n",
    "if theta > 0:\n",
    "np.exp(",
    "def m(:\n",
    "# noqa: NPR012\n",
    "\\",
]


@pytest.fixture(scope="module")
def server():
    client = StdioClient({"numpyro": {"debounceMs": 0}})
    yield client
    assert client.alive(), "".join(client.stderr)
    client.close()


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def lsp_lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


class Document:
    """The client's copy of a document, edited with incremental changes."""

    def __init__(self, server: StdioClient, uri: str, text: str) -> None:
        self.server, self.uri, self.text, self.version = server, uri, text, 1
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )

    def position_at(self, offset: int) -> dict:
        before = self.text[:offset]
        lines = lsp_lines(before)
        return {"line": len(lines) - 1, "character": utf16(lines[-1])}

    def edit(self, start: int, end: int, inserted: str) -> None:
        # Never split a CRLF pair: LSP positions cannot point between \r and \n.
        while 0 < start < len(self.text) and self.text[start - 1 : start + 1] == "\r\n":
            start -= 1
        end = max(start, end)
        while 0 < end < len(self.text) and self.text[end - 1 : end + 1] == "\r\n":
            end += 1
        change = {
            "range": {"start": self.position_at(start), "end": self.position_at(end)},
            "text": inserted,
        }
        self.text = self.text[:start] + inserted + self.text[end:]
        self.version += 1
        self.server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version},
                "contentChanges": [change],
            },
        )

    def contains(self, range_: dict) -> bool:
        lines = lsp_lines(self.text)
        for end in ("start", "end"):
            position = range_[end]
            if not 0 <= position["line"] < len(lines):
                return False
            if not 0 <= position["character"] <= utf16(lines[position["line"]]):
                return False
        return (range_["start"]["line"], range_["start"]["character"]) <= (
            range_["end"]["line"],
            range_["end"]["character"],
        )


def ranges_in(result) -> list[dict]:
    """Every LSP range anywhere in a result."""
    found = []
    if isinstance(result, dict):
        if set(result) == {"start", "end"} and isinstance(result["start"], dict):
            return [result]
        for value in result.values():
            found += ranges_in(value)
    elif isinstance(result, list):
        for value in result:
            found += ranges_in(value)
    return found


REQUESTS = [
    "textDocument/completion",
    "textDocument/hover",
    "textDocument/signatureHelp",
    "textDocument/codeAction",
]

edits = st.lists(
    st.tuples(
        st.floats(0, 1), st.integers(0, 12), st.lists(st.sampled_from(FRAGMENTS), max_size=3)
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=edits, where=st.floats(0, 1), crlf=st.booleans())
def test_random_edits_never_break_the_server(server, edits, where, crlf):
    text = EXAMPLE.replace("\n", "\r\n") if crlf else EXAMPLE
    document = Document(server, f"file:///fuzz/{time.monotonic_ns()}.py", text)
    for fraction, deleted, inserted in edits:
        start = int(fraction * len(document.text))
        document.edit(start, start + deleted, "".join(inserted))
    position = document.position_at(int(where * len(document.text)))
    for method in REQUESTS:
        params = {"textDocument": {"uri": document.uri}, "position": position}
        if method == "textDocument/codeAction":
            params = {
                "textDocument": {"uri": document.uri},
                "range": {"start": position, "end": position},
                "context": {"diagnostics": []},
            }
        response = server.request(method, params)
        assert "error" not in response, (method, response)
        for range_ in ranges_in(response["result"]):
            assert document.contains(range_), (method, range_)
    server.notify("textDocument/didClose", {"textDocument": {"uri": document.uri}})
    assert server.alive()


def published_for(server: StdioClient, uri: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = server.notifications.get(timeout=deadline - time.monotonic())
        is_diagnostics = message.get("method") == "textDocument/publishDiagnostics"
        if is_diagnostics and message["params"]["uri"] == uri:
            return message["params"]
    raise TimeoutError(uri)


def test_diagnostic_ranges_stay_inside_after_edits(server):
    document = Document(server, "file:///fuzz/diagnostics.py", EXAMPLE.replace("\n", "\r\n"))
    published_for(server, document.uri)
    document.edit(0, 0, "x = ('🎲', dist.HalfNormal(-1))\r\n")
    params = published_for(server, document.uri)
    assert params["version"] == document.version
    assert {d["code"] for d in params["diagnostics"]} == {"NPR011", "NPR012"}
    assert all(document.contains(d["range"]) for d in params["diagnostics"])


def test_malformed_messages_get_errors_and_the_server_keeps_serving(server):
    server.send_raw(b"{this is not json")
    server.send_raw(json.dumps({"jsonrpc": "2.0", "id": 9001, "method": 42}))
    response = server.request("numpyro/unknownMethod", {})
    assert response["error"]["code"] == -32601  # method not found
    server.notify("numpyro/unknownNotification", {})
    response = server.request("textDocument/hover", {"textDocument": {}, "position": "nowhere"})
    assert response["error"]["code"] in (-32602, -32603)  # invalid params
    assert server.request("workspace/executeCommand", {"command": "numpyro.serverInfo"})["result"]


def test_requests_for_unopened_or_unreadable_documents(server, tmp_path):
    binary = tmp_path / "latin1.py"
    binary.write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    for uri in ("file:///no/such/file.py", binary.as_uri(), "untitled:Untitled-1"):
        for method in REQUESTS[:3]:
            params = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 4}}
            response = server.request(method, params)
            assert "error" not in response, (uri, method, response)


def test_stale_and_out_of_range_positions(server):
    document = Document(server, "file:///fuzz/stale.py", "import numpyro\n")
    for position in ({"line": 99, "character": 0}, {"line": 0, "character": 999}):
        response = server.request(
            "textDocument/completion", {"textDocument": {"uri": document.uri}, "position": position}
        )
        assert "error" not in response
    # A change whose version goes backwards is applied like any other, never fatal.
    server.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": document.uri, "version": 0},
            "contentChanges": [{"text": "import numpyro.distributions as dist\nx = dist.\n"}],
        },
    )
    response = server.request(
        "textDocument/completion",
        {"textDocument": {"uri": document.uri}, "position": {"line": 1, "character": 9}},
    )
    assert any(item["label"] == "Normal" for item in response["result"]["items"])


def test_huge_and_deeply_nested_files(server):
    nested = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    chain = "import numpyro\nx = " + " + ".join(["numpyro"] * 20000) + "\n"
    huge = EXAMPLE * (5_000_000 // len(EXAMPLE))
    # Too big to check: published at once, empty, instead of minutes of analysis.
    document = Document(server, "file:///fuzz/huge.py", huge)
    assert published_for(server, document.uri)["diagnostics"] == []
    for name, text in (("nested", nested), ("chain", chain)):
        Document(server, f"file:///fuzz/{name}.py", text)
    # Python itself cannot compile the nested ones; the server still answers about all three.
    for name in ("nested", "chain", "huge"):
        response = server.request(
            "textDocument/hover",
            {
                "textDocument": {"uri": f"file:///fuzz/{name}.py"},
                "position": {"line": 1, "character": 5},
            },
        )
        assert "error" not in response, (name, response)
    assert server.alive()


def test_many_documents_open_at_once(server):
    uris = [f"file:///fuzz/many/{index}.py" for index in range(150)]
    for uri in uris:
        Document(server, uri, EXAMPLE)
    published = set()
    deadline = time.monotonic() + 60
    while not published >= set(uris) and time.monotonic() < deadline:
        message = server.notifications.get(timeout=deadline - time.monotonic())
        if message.get("method") == "textDocument/publishDiagnostics":
            published.add(message["params"]["uri"])
    assert published >= set(uris)
    for uri in uris:
        server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


def test_cancel_request_answers_a_slow_request_at_once(server):
    # Code actions on a long file run libcst for seconds: the cancel must not wait for it.
    copies = [EXAMPLE.replace("eight_schools", f"eight_schools_{i}") for i in range(150)]
    document = Document(server, "file:///fuzz/long.py", "\n".join(copies))
    position = document.position_at(document.text.rindex('"theta"') + 1)
    started = time.monotonic()
    request_id = server.request_async(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": document.uri},
            "range": {"start": position, "end": position},
            "context": {"diagnostics": []},
        },
    )
    server.notify("$/cancelRequest", {"id": request_id})
    response = server.response(request_id)
    assert response["error"]["code"] == -32800  # RequestCancelled
    assert time.monotonic() - started < 2.0
    # The same request, not cancelled, completes with the rewrites.
    response = server.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": document.uri},
            "range": {"start": position, "end": position},
            "context": {"diagnostics": []},
        },
        timeout=120,
    )
    assert any("LocScaleReparam" in action["title"] for action in response["result"])


def test_position_encoding_is_utf16_even_when_the_client_prefers_utf8():
    # Every column the server computes is UTF-16; Neovim lists UTF-8 first.
    message = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "processId": None,
                "rootUri": None,
                "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}},
            },
        }
    ).encode()
    process = subprocess.Popen(
        [sys.executable, "-m", "numpyro_lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(message) + message)
    process.stdin.flush()
    headers = {}
    while line := process.stdout.readline().strip():
        name, _, value = line.partition(b":")
        headers[name.lower()] = value
    body = json.loads(process.stdout.read(int(headers[b"content-length"])))
    process.kill()
    process.wait()
    assert body["result"]["capabilities"]["positionEncoding"] == "utf-16"


def test_edits_leave_no_request_futures_behind(server):
    document = Document(server, "file:///fuzz/futures.py", EXAMPLE)
    for _ in range(50):
        document.edit(0, 0, "# x\n")
    info = server.request("workspace/executeCommand", {"command": "numpyro.serverInfo"})
    assert info["result"]["pendingRequests"] <= 2


def test_typing_publishes_findings_inside_each_version_and_keeps_the_others(server):
    """The main block typed two characters at a time (checks at every edit, no debounce):
    each list is published for a version and lies inside that version's text, and the
    centered-site hint on the model, which the typing does not touch, is in every list."""
    main = EXAMPLE.index('if __name__ == "__main__":')
    typed, before = EXAMPLE[main:], EXAMPLE[:main]
    document = Document(server, "file:///fuzz/typing_main.py", before)
    texts = {1: document.text}
    for end in range(2, len(typed) + 2, 2):
        document.edit(len(document.text), len(document.text), typed[end - 2 : end])
        texts[document.version] = document.text
    published = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        published and published[-1]["version"] == document.version
    ):
        message = server.notifications.get(timeout=deadline - time.monotonic())
        params = message.get("params", {})
        if message.get("method") == "textDocument/publishDiagnostics" and (
            params["uri"] == document.uri
        ):
            published.append(params)
    assert published and published[-1]["version"] == document.version
    for params in published:
        text = texts[params["version"]]
        document.text = text  # ``contains`` reads the client's copy
        for diagnostic in params["diagnostics"]:
            assert document.contains(diagnostic["range"]), (params["version"], diagnostic)
        hints = [d for d in params["diagnostics"] if d["code"] == "NPR012"]
        assert len(hints) == 1, (params["version"], params["diagnostics"])
        start = hints[0]["range"]["start"]
        line = lsp_lines(text)[start["line"]]
        assert line[start["character"] :].startswith('"theta"')
