;; Prints a line, then executes `unreachable`: the trap must come after the
;; line reaches stdout, with status 134.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\13\00\00\00")
  (data (i32.const 16) "before unreachable\n")
  (func $fail
    unreachable)
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $fail)))
