"""A WASI 0.2 command written in Python, made a component by componentize-py.

Reads /sandbox/input.txt (a preopened directory) and prints it, prints its arguments
(argv[0] included) one per line and its environment sorted as KEY=VALUE, writes
/sandbox/out.txt with text derived from the input, lists /sandbox and exits with status 3.

The world is tests/programs/component/scripting/world.wit (wasi:cli/command without
wasi:sockets); scripting.mk builds py_app.wasm from this file.
"""

import os
import sys

from wit_world import exports
from wit_world.imports import exit as wasi_exit

INPUT = "/sandbox/input.txt"
OUTPUT = "/sandbox/out.txt"
STATUS = 3


def derive(text: str, args: list) -> str:
    """The contents of out.txt: counts of the input, then the input in upper case."""
    return (
        f"lines: {text.count(chr(10))}\n"
        f"words: {len(text.split())}\n"
        f"chars: {len(text)}\n"
        f"args: {len(args)}\n"
        f"{text.upper()}"
    )


class Run(exports.Run):
    def run(self) -> None:
        print(f"== {INPUT} ==")
        with open(INPUT, encoding="utf-8") as f:
            text = f.read()
        print(text, end="")

        print("== arguments ==")
        for arg in sys.argv:
            print(arg)

        print("== environment ==")
        for key, value in sorted(os.environ.items()):
            print(f"{key}={value}")

        print(f"== {OUTPUT} ==")
        derived = derive(text, sys.argv)
        with open(OUTPUT, "w", encoding="utf-8") as f:
            f.write(derived)
        print(f"wrote {len(derived.encode('utf-8'))} bytes")

        print("== /sandbox ==")
        for name in sorted(os.listdir("/sandbox")):
            print(name)

        print(f"exiting with {STATUS}")
        sys.stdout.flush()
        # sys.exit(3) would raise SystemExit out of run(), which componentize-py turns
        # into run's error result (exit status 1): wasi:cli/exit exit-with-code is the
        # way to a chosen status. It does not return, so stdout is flushed above.
        wasi_exit.exit_with_code(STATUS)
