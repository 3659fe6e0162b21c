// A WASI 0.2 command written in JavaScript, made a component by componentize-js.
//
// Reads /sandbox/input.txt (a preopened directory) and prints it, prints its arguments
// (argv[0] included) one per line and its environment sorted as KEY=VALUE, writes
// /sandbox/out.txt with text derived from the input, lists /sandbox and exits with status 3:
// the same behaviour as py_app.py. The JavaScript engine has no file system or process API,
// so the program calls the WASI interfaces themselves, imported as modules.
//
// The world is tests/programs/component/scripting/world.wit (wasi:cli/command without
// wasi:sockets); scripting.mk builds js_app.wasm from this file.

import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
import { exitWithCode } from 'wasi:cli/exit@0.2.12';
import { getStdout } from 'wasi:cli/stdout@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

const GUEST_DIR = '/sandbox';
const STATUS = 3;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let stdout;

// Writes text to stdout (blocking-write-and-flush takes at most 4096 bytes at a time).
// WASI is called only at run time: the module's top level runs at build time (Wizer).
function print(text) {
  stdout ??= getStdout();
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.length; at += 4096) {
    stdout.blockingWriteAndFlush(bytes.subarray(at, at + 4096));
  }
}

function println(text) {
  print(text + '\n');
}

function preopen(path) {
  for (const [descriptor, guest] of getDirectories()) {
    if (guest === path) {
      return descriptor;
    }
  }
  throw new Error(`no preopened directory ${path}`);
}

function readAll(dir, name) {
  const file = dir.openAt({ symlinkFollow: false }, name, {}, { read: true });
  const chunks = [];
  let offset = 0n;
  for (;;) {
    const [data, eof] = file.read(65536n, offset);
    chunks.push(decoder.decode(data, { stream: true }));
    offset += BigInt(data.length);
    if (eof || data.length === 0) {
      break;
    }
  }
  chunks.push(decoder.decode());
  file[Symbol.dispose]?.();
  return chunks.join('');
}

function writeAll(dir, name, text) {
  const file = dir.openAt(
    { symlinkFollow: false },
    name,
    { create: true, truncate: true },
    { write: true },
  );
  const bytes = encoder.encode(text);
  let offset = 0;
  while (offset < bytes.length) {
    offset += Number(file.write(bytes.subarray(offset), BigInt(offset)));
  }
  file[Symbol.dispose]?.();
  return bytes.length;
}

function listNames(dir) {
  const entries = dir.readDirectory();
  const names = [];
  for (;;) {
    const entry = entries.readDirectoryEntry();
    if (entry === undefined) {
      break;
    }
    names.push(entry.name);
  }
  return names.sort();
}

// The contents of out.txt: counts of the input, then the input in upper case.
function derive(text, args) {
  const lines = text.split('\n').length - 1;
  const words = text.split(/\s+/).filter((w) => w.length > 0).length;
  return (
    `lines: ${lines}\n` +
    `words: ${words}\n` +
    `chars: ${[...text].length}\n` +
    `args: ${args.length}\n` +
    text.toUpperCase()
  );
}

export const run = {
  run() {
    const sandbox = preopen(GUEST_DIR);

    println(`== ${GUEST_DIR}/input.txt ==`);
    const text = readAll(sandbox, 'input.txt');
    print(text);

    println('== arguments ==');
    const args = getArguments();
    for (const arg of args) {
      println(arg);
    }

    println('== environment ==');
    const env = getEnvironment().sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, value] of env) {
      println(`${key}=${value}`);
    }

    println(`== ${GUEST_DIR}/out.txt ==`);
    const written = writeAll(sandbox, 'out.txt', derive(text, args));
    println(`wrote ${written} bytes`);

    println(`== ${GUEST_DIR} ==`);
    for (const name of listNames(sandbox)) {
      println(name);
    }

    println(`exiting with ${STATUS}`);
    // Does not return: the status is the program's, not run's ok/err result.
    exitWithCode(STATUS);
  },
};
