"""What features/pygls_internals.py takes from pygls' private internals still exists and
behaves as it expects: a pygls upgrade that changes one fails here, not in an editor."""

from __future__ import annotations

import asyncio
import inspect
import json

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import JsonRPCProtocol

from numpyro_lsp.features.pygls_internals import (
    USED,
    current_request_future,
    in_thread,
    request_futures,
)
from numpyro_lsp.server import create_server

SIGNATURES = {
    "_handle_notification": ["self", "method_name", "params"],
    "_handle_request": ["self", "msg_id", "method_name", "params"],
    "_send_response": ["self", "msg_id", "result", "error"],
    "_run_generator": ["self", "future", "gen", "result_future"],
}


class Written:
    """Stands in for the transport: keeps what the protocol sends."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    def write(self, data: bytes) -> None:
        body = data.decode().split("\r\n\r\n", 1)[1]
        self.messages.append(json.loads(body))

    def close(self) -> None:
        pass


def connected_protocol():
    server = create_server()
    written = Written()
    server.protocol.set_writer(written)
    return server, written


def test_every_private_name_used_exists_with_the_expected_signature():
    protocol = create_server().protocol
    for cls, names in USED.items():
        assert isinstance(protocol, cls)
        for name in names:
            if name in SIGNATURES:
                parameters = list(inspect.signature(getattr(cls, name)).parameters)
                assert parameters == SIGNATURES[name], name
            else:
                assert hasattr(protocol, name), name
    assert set(SIGNATURES) <= {n for names in USED.values() for n in names}
    # The futures of the requests being handled, by message id.
    assert isinstance(request_futures(protocol), dict)
    assert isinstance(inspect.getattr_static(JsonRPCProtocol, "msg_id"), property)


async def test_a_request_future_is_found_by_its_message_id_while_it_runs():
    server, written = connected_protocol()
    seen = []

    @server.feature("numpyro/probe")
    async def probe(ls, params):
        seen.append(current_request_future(ls.protocol))
        return "done"

    server.protocol.handle_message(
        server.protocol.structure_message(
            {"jsonrpc": "2.0", "id": 7, "method": "numpyro/probe", "params": {}}
        )
    )
    for _ in range(100):
        if written.messages:
            break
        await asyncio.sleep(0.01)
    (future,) = seen
    assert future is not None and future.done()
    assert written.messages[-1]["id"] == 7 and written.messages[-1]["result"] == "done"
    assert 7 not in request_futures(server.protocol)


async def test_a_generator_handler_runs_its_first_step_at_once_and_resumes_with_the_thread():
    server, written = connected_protocol()
    steps = []

    @server.feature("numpyro/generator")
    def generator(ls, params):
        steps.append("first step")
        result = yield from in_thread(lambda: "from the thread")
        steps.append(result)
        return result

    server.protocol.handle_message(
        server.protocol.structure_message(
            {"jsonrpc": "2.0", "id": 8, "method": "numpyro/generator", "params": {}}
        )
    )
    assert steps == ["first step"]  # before the loop ran anything else
    for _ in range(100):
        if written.messages:
            break
        await asyncio.sleep(0.01)
    assert steps == ["first step", "from the thread"]
    assert written.messages[-1] == {"jsonrpc": "2.0", "id": 8, "result": "from the thread"}
    # The inner handler's finished future is not kept once the next message is handled.
    server.protocol.handle_message(
        server.protocol.structure_message(
            {"jsonrpc": "2.0", "method": "numpyro/unknown", "params": {}}
        )
    )
    assert request_futures(server.protocol) == {}


def test_a_request_whose_params_cannot_be_read_gets_an_error_response():
    server, written = connected_protocol()
    message = {
        "jsonrpc": "2.0",
        "id": 9,
        "method": types.TEXT_DOCUMENT_HOVER,
        "params": {"textDocument": 3},
    }
    with pytest.raises(JsonRpcException):
        server.protocol.structure_message(message)
    (response,) = written.messages
    assert response["id"] == 9 and "error" in response
