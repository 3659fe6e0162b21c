// A wasi:http/proxy component written in JavaScript, made a component by componentize-js.
// It exports wasi:http/incoming-handler itself, on the WASI 0.2.12 types (StarlingMonkey's
// built-in fetch event is bound to 0.2.10, whose WIT we do not vendor); tests/servers.rs
// builds it into a server and drives it.
//
// Routes:
//   /            200 "hello from javascript\n"
//   /echo        the request body back, with x-method and x-length headers
//   /headers     the path with query, then the x-test header values, one per line
//   /status/NNN  an empty response with status NNN
//   /fresh       "fresh\n" if no request ran on this instance before (else 500 "stale\n")
//   /raise       throws (a trap: the server answers 500 and goes on)
//   anything else  404 "not found\n"
//
// The world is tests/programs/proxy/wit/world.wit; scripting.mk builds js_proxy.wasm.

import {
  Fields,
  OutgoingBody,
  OutgoingResponse,
  ResponseOutparam,
} from 'wasi:http/types@0.2.12';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// blocking-write-and-flush takes at most 4096 bytes at a time.
const CHUNK = 4096;

// Module state: every request must find it as instantiated.
let requestsSeen = 0;

function readBody(request) {
  const body = request.consume();
  const stream = body.stream();
  const parts = [];
  let length = 0;
  for (;;) {
    let chunk;
    try {
      chunk = stream.blockingRead(65536n);
    } catch (e) {
      if (e.payload?.tag === 'closed') break;
      throw e;
    }
    parts.push(chunk);
    length += chunk.length;
  }
  stream[Symbol.dispose]?.();
  body[Symbol.dispose]?.();
  const data = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    data.set(part, at);
    at += part.length;
  }
  return data;
}

function respond(out, status, body, headers = []) {
  const fields = Fields.fromList(headers.map(([n, v]) => [n, encoder.encode(v)]));
  const response = new OutgoingResponse(fields);
  response.setStatusCode(status);
  const outgoing = response.body();
  ResponseOutparam.set(out, { tag: 'ok', val: response });
  const stream = outgoing.write();
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  for (let at = 0; at < bytes.length; at += CHUNK) {
    stream.blockingWriteAndFlush(bytes.subarray(at, at + CHUNK));
  }
  stream[Symbol.dispose]?.();
  OutgoingBody.finish(outgoing, undefined);
}

function methodName(method) {
  return method.tag === 'other' ? method.val : method.tag.toUpperCase();
}

function handle(request, out) {
  requestsSeen += 1;
  const path = request.pathWithQuery() ?? '';
  if (path === '/') {
    respond(out, 200, 'hello from javascript\n', [['content-type', 'text/plain']]);
  } else if (path === '/echo') {
    const method = methodName(request.method());
    const data = readBody(request);
    respond(out, 200, data, [
      ['x-method', method],
      ['x-length', String(data.length)],
    ]);
  } else if (path.startsWith('/headers')) {
    const values = request.headers().get('x-test').map((v) => decoder.decode(v) + '\n');
    respond(out, 200, path + '\n' + values.join(''));
  } else if (path.startsWith('/status/') && path.length === 11) {
    respond(out, Number(path.slice(8)), '');
  } else if (path === '/fresh') {
    const fresh = requestsSeen === 1;
    respond(out, fresh ? 200 : 500, fresh ? 'fresh\n' : 'stale\n');
  } else if (path === '/raise') {
    throw new Error('thrown on purpose');
  } else {
    respond(out, 404, 'not found\n');
  }
}

export const incomingHandler = { handle };
