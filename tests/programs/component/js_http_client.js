// An HTTP client written in JavaScript, made a component by componentize-js: requests to
// the test server of tests/support/http_server.rs (its address is the first argument)
// through wasi:http/outgoing-handler, printing what came back. py_http_client.py makes the
// same requests and prints the same lines.
//
// It calls wasi:http 0.2.12 itself rather than fetch(): StarlingMonkey's fetch is bound to
// wasi:http 0.2.10, whose WIT we do not vendor.
//
// The world is http-client of scripting/world.wit; scripting.mk builds js_http_client.wasm.

import { getArguments } from 'wasi:cli/environment@0.2.12';
import { getStdout } from 'wasi:cli/stdout@0.2.12';
import { handle } from 'wasi:http/outgoing-handler@0.2.12';
import {
  Fields,
  IncomingBody,
  OutgoingBody,
  OutgoingRequest,
  RequestOptions,
} from 'wasi:http/types@0.2.12';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// blocking-write-and-flush takes at most 4096 bytes at a time.
const CHUNK = 4096;

// The test server's /big: BIG bytes, byte i being i % 251.
const BIG = 3 << 20;

function bigSum() {
  const cycles = Math.floor(BIG / 251);
  const rest = BIG % 251;
  return cycles * ((250 * 251) / 2) + (rest * (rest - 1)) / 2;
}

let stdout;

// Writes a line to stdout (WASI is called only at run time: the module's top level runs at
// build time, under Wizer).
function println(text) {
  stdout ??= getStdout();
  const bytes = encoder.encode(text + '\n');
  for (let at = 0; at < bytes.length; at += CHUNK) {
    stdout.blockingWriteAndFlush(bytes.subarray(at, at + CHUNK));
  }
}

class HttpError extends Error {
  constructor(code) {
    super(code.tag);
  }
}

function drop(resource) {
  resource[Symbol.dispose]?.();
}

function fields(pairs) {
  return Fields.fromList(pairs.map(([n, v]) => [n, encoder.encode(v)]));
}

// Waits for a future-incoming-response or future-trailers and returns its value.
function wait(future) {
  const pollable = future.subscribe();
  pollable.block();
  drop(pollable);
  const outcome = future.get().val;
  drop(future);
  if (outcome.tag === 'err') throw new HttpError(outcome.val);
  return outcome.val;
}

// Sends a request with a body written in `parts` and `trailers`; the response.
function send(address, method, path, { headers = [], parts = [], trailers, options } = {}) {
  const request = new OutgoingRequest(fields(headers));
  request.setMethod({ tag: method });
  request.setScheme({ tag: 'HTTP' });
  request.setAuthority(address);
  request.setPathWithQuery(path);
  const body = request.body();
  let future;
  try {
    future = handle(request, options);
  } catch (e) {
    drop(body);
    if (e.payload?.tag) throw new HttpError(e.payload);
    throw e;
  }
  const stream = body.write();
  for (const part of parts) {
    const data = encoder.encode(part);
    for (let at = 0; at < data.length; at += CHUNK) {
      stream.blockingWriteAndFlush(data.subarray(at, at + CHUNK));
    }
  }
  drop(stream);
  OutgoingBody.finish(body, trailers ? fields(trailers) : undefined);
  return wait(future);
}

// The response's body and trailers (a list of [name, value] pairs, or undefined).
function readBody(response) {
  const body = response.consume();
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
  drop(stream);
  const received = wait(IncomingBody.finish(body));
  const trailers = received?.entries().map(([n, v]) => [n, decoder.decode(v)]);
  const data = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    data.set(part, at);
    at += part.length;
  }
  return [data, trailers];
}

function showBody([data, trailers]) {
  println(`  body: ${JSON.stringify(decoder.decode(data))}`);
  if (trailers?.length) {
    for (const [name, value] of trailers) {
      println(`  trailer ${name}: ${JSON.stringify(value)}`);
    }
  } else {
    println('  trailers: none');
  }
}

function attempt(label, action) {
  try {
    action(label);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    println(`${label}: error ${e.message}`);
  }
}

export const run = {
  run() {
    const address = getArguments()[1];

    attempt('GET /hello', (label) => {
      const response = send(address, 'get', '/hello');
      println(`${label}: status ${response.status()}`);
      for (const value of response.headers().get('x-test')) {
        println(`  x-test: ${JSON.stringify(decoder.decode(value))}`);
      }
      showBody(readBody(response));
    });
    attempt('GET /headers', (label) => {
      const headers = [['x-beta', 'two'], ['x-alpha', 'one']];
      const response = send(address, 'get', '/headers', { headers });
      println(`${label}: status ${response.status()}`);
      showBody(readBody(response));
    });
    attempt('POST /echo', (label) => {
      // An HTTP/1.1 server sends trailers back only to a client that takes them, and a
      // sender declares the trailers it will send.
      const response = send(address, 'post', '/echo', {
        headers: [['te', 'trailers'], ['trailer', 'x-trailer']],
        parts: ['first part, ', 'second part, ', 'third part\n'],
        trailers: [['x-trailer', 'sent by the guest']],
      });
      println(`${label}: status ${response.status()}`);
      showBody(readBody(response));
    });
    attempt('GET /trailers with te: trailers', (label) => {
      const response = send(address, 'get', '/trailers', { headers: [['te', 'trailers']] });
      println(`${label}: status ${response.status()}`);
      showBody(readBody(response));
    });
    attempt('GET /status/404', (label) => {
      const response = send(address, 'get', '/status/404');
      println(`${label}: status ${response.status()}`);
      showBody(readBody(response));
    });
    attempt('GET /big', (label) => {
      const response = send(address, 'get', '/big');
      println(`${label}: status ${response.status()}`);
      const [data] = readBody(response);
      let sum = 0;
      for (const byte of data) sum += byte;
      println(`  ${data.length} bytes, sum matches: ${sum === bigSum() ? 'yes' : 'no'}`);
    });
    attempt('GET /slow with a 200 ms first-byte timeout', (label) => {
      const options = new RequestOptions();
      options.setFirstByteTimeout(200_000_000n);
      const response = send(address, 'get', '/slow', { options });
      println(`${label}: status ${response.status()}`);
    });
    attempt('GET http://127.0.0.1:1/', (label) => {
      const response = send('127.0.0.1:1', 'get', '/');
      println(`${label}: status ${response.status()}`);
    });
  },
};
