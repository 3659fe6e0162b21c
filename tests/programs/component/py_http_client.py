"""An HTTP client written in Python, made a component by componentize-py: requests to the
test server of tests/support/http_server.rs (its address is the first argument) through
wasi:http/outgoing-handler, printing what came back. js_http_client.js makes the same
requests and prints the same lines.

The world is http-client of scripting/world.wit; scripting.mk builds py_http_client.wasm.
"""

import json
import re
import sys

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import outgoing_handler, streams
from wit_world.imports.wasi_http_types import (
    Fields,
    IncomingBody,
    Method_Get,
    Method_Post,
    OutgoingBody,
    OutgoingRequest,
    RequestOptions,
    Scheme_Http,
)

# blocking-write-and-flush takes at most 4096 bytes at a time.
CHUNK = 4096

# The test server's /big: BIG bytes, byte i being i % 251.
BIG = 3 << 20


def big_sum() -> int:
    cycles, rest = divmod(BIG, 251)
    return cycles * (250 * 251 // 2) + rest * (rest - 1) // 2


def error_name(code) -> str:
    """`ErrorCode_ConnectionReadTimeout` as the WIT names it: `connection-read-timeout`."""
    name = type(code).__name__.removeprefix("ErrorCode_")
    return re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()


class HttpError(Exception):
    def __init__(self, code):
        super().__init__(error_name(code))


def drop(resource) -> None:
    resource.__exit__(None, None, None)


def wait(future):
    """Waits for a future-incoming-response or future-trailers and returns its value."""
    pollable = future.subscribe()
    pollable.block()
    drop(pollable)
    outcome = future.get().value
    drop(future)
    if isinstance(outcome, Err):
        raise HttpError(outcome.value)
    return outcome.value


def send(address, method, path, headers=(), parts=(), trailers=None, options=None):
    """Sends a request with a body written in `parts` and `trailers`; the response."""
    request = OutgoingRequest(Fields.from_list([(n, v.encode()) for n, v in headers]))
    request.set_method(method)
    request.set_scheme(Scheme_Http())
    request.set_authority(address)
    request.set_path_with_query(path)
    body = request.body()
    try:
        future = outgoing_handler.handle(request, options)
    except Err as e:
        drop(body)
        raise HttpError(e.value)
    stream = body.write()
    for part in parts:
        data = part.encode()
        for at in range(0, len(data), CHUNK):
            stream.blocking_write_and_flush(data[at : at + CHUNK])
    drop(stream)
    OutgoingBody.finish(body, Fields.from_list(trailers) if trailers else None)
    return wait(future)


def read_body(response):
    """The response's body and trailers (a list of (name, value) pairs, or None)."""
    body = response.consume()
    stream = body.stream()
    data = bytearray()
    while True:
        try:
            data += stream.blocking_read(65536)
        except Err as e:
            if isinstance(e.value, streams.StreamError_Closed):
                break
            raise
    drop(stream)
    fields = wait(IncomingBody.finish(body))
    trailers = None if fields is None else [(n, v.decode()) for n, v in fields.entries()]
    return bytes(data), trailers


def show_body(data: bytes, trailers) -> None:
    print(f"  body: {json.dumps(data.decode())}")
    if trailers:
        for name, value in trailers:
            print(f"  trailer {name}: {json.dumps(value)}")
    else:
        print("  trailers: none")


def attempt(label, action) -> None:
    try:
        action(label)
    except HttpError as e:
        print(f"{label}: error {e}")


class Run(exports.Run):
    def run(self) -> None:
        address = sys.argv[1]

        def hello(label):
            response = send(address, Method_Get(), "/hello")
            print(f"{label}: status {response.status()}")
            for value in response.headers().get("x-test"):
                print(f"  x-test: {json.dumps(value.decode())}")
            show_body(*read_body(response))

        def headers(label):
            sent = [("x-beta", "two"), ("x-alpha", "one")]
            response = send(address, Method_Get(), "/headers", headers=sent)
            print(f"{label}: status {response.status()}")
            show_body(*read_body(response))

        def echo(label):
            parts = ["first part, ", "second part, ", "third part\n"]
            trailers = [("x-trailer", b"sent by the guest")]
            # An HTTP/1.1 server sends trailers back only to a client that takes them, and
            # a sender declares the trailers it will send.
            sent = [("te", "trailers"), ("trailer", "x-trailer")]
            response = send(
                address, Method_Post(), "/echo", sent, parts=parts, trailers=trailers
            )
            print(f"{label}: status {response.status()}")
            show_body(*read_body(response))

        def with_trailers(label):
            sent = [("te", "trailers")]
            response = send(address, Method_Get(), "/trailers", headers=sent)
            print(f"{label}: status {response.status()}")
            show_body(*read_body(response))

        def status(label):
            response = send(address, Method_Get(), "/status/404")
            print(f"{label}: status {response.status()}")
            show_body(*read_body(response))

        def big(label):
            response = send(address, Method_Get(), "/big")
            print(f"{label}: status {response.status()}")
            data, _ = read_body(response)
            matches = "yes" if sum(data) == big_sum() else "no"
            print(f"  {len(data)} bytes, sum matches: {matches}")

        def slow(label):
            options = RequestOptions()
            options.set_first_byte_timeout(200_000_000)
            response = send(address, Method_Get(), "/slow", options=options)
            print(f"{label}: status {response.status()}")

        def refused(label):
            response = send("127.0.0.1:1", Method_Get(), "/")
            print(f"{label}: status {response.status()}")

        attempt("GET /hello", hello)
        attempt("GET /headers", headers)
        attempt("POST /echo", echo)
        attempt("GET /trailers with te: trailers", with_trailers)
        attempt("GET /status/404", status)
        attempt("GET /big", big)
        attempt("GET /slow with a 200 ms first-byte timeout", slow)
        attempt("GET http://127.0.0.1:1/", refused)
