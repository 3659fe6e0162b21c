"""A wasi:http/proxy component written in Python, made a component by componentize-py;
tests/servers.rs builds it into a server and drives it.

Routes:
  /            200 "hello from python\n"
  /echo        the request body back, with x-method and x-length headers
  /headers     the path with query, then the x-test header values, one per line
  /status/NNN  an empty response with status NNN
  /fresh       "fresh\n" if no request ran on this instance before (else 500 "stale\n")
  /raise       raises an exception (a trap: the server answers 500 and goes on)
  anything else  404 "not found\n"

The world is tests/programs/proxy/wit/world.wit; scripting.mk builds py_proxy.wasm.
"""

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports import streams
from wit_world.imports.types import (
    Fields,
    IncomingRequest,
    Method_Get,
    Method_Post,
    Method_Put,
    OutgoingBody,
    OutgoingResponse,
    ResponseOutparam,
)

# blocking-write-and-flush takes at most 4096 bytes at a time.
CHUNK = 4096

# Module state: every request must find it as instantiated.
requests_seen = 0


def method_name(method) -> str:
    for cls, name in ((Method_Get, "GET"), (Method_Post, "POST"), (Method_Put, "PUT")):
        if isinstance(method, cls):
            return name
    return "OTHER"


def read_body(request: IncomingRequest) -> bytes:
    body = request.consume()
    stream = body.stream()
    data = bytearray()
    while True:
        try:
            data += stream.blocking_read(65536)
        except Err as e:
            if isinstance(e.value, streams.StreamError_Closed):
                break
            raise
    stream.__exit__(None, None, None)
    body.__exit__(None, None, None)
    return bytes(data)


def respond(out: ResponseOutparam, status: int, body: bytes, headers=()) -> None:
    fields = Fields.from_list(list(headers))
    response = OutgoingResponse(fields)
    response.set_status_code(status)
    outgoing = response.body()
    ResponseOutparam.set(out, Ok(response))
    stream = outgoing.write()
    for at in range(0, len(body), CHUNK):
        stream.blocking_write_and_flush(body[at : at + CHUNK])
    stream.__exit__(None, None, None)
    OutgoingBody.finish(outgoing, None)


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        global requests_seen
        requests_seen += 1
        path = request.path_with_query() or ""
        if path == "/":
            respond(response_out, 200, b"hello from python\n", [("content-type", b"text/plain")])
        elif path == "/echo":
            method = method_name(request.method())
            data = read_body(request)
            headers = [("x-method", method.encode()), ("x-length", str(len(data)).encode())]
            respond(response_out, 200, data, headers)
        elif path.startswith("/headers"):
            values = request.headers().get("x-test")
            text = path + "\n" + "".join(v.decode() + "\n" for v in values)
            respond(response_out, 200, text.encode())
        elif path.startswith("/status/") and len(path) == 11:
            respond(response_out, int(path[8:]), b"")
        elif path == "/fresh":
            fresh = requests_seen == 1
            respond(response_out, 200 if fresh else 500, b"fresh\n" if fresh else b"stale\n")
        elif path == "/raise":
            raise RuntimeError("raised on purpose")
        else:
            respond(response_out, 404, b"not found\n")
