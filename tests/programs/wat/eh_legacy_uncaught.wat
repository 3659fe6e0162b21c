;; An exception that no handler keeps, in the legacy form: _start catches it with a
;; catch_all, prints a line and rethrows it to its caller. Reported like a trap: the lines
;; printed before stay on stdout, stderr names the uncaught exception, status 134.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (tag $thrown (param i32))
  (data (i32.const 0) "\10\00\00\00\0d\00\00\00")
  (data (i32.const 16) "before throw\n")
  (data (i32.const 32) "\30\00\00\00\0b\00\00\00")
  (data (i32.const 48) "rethrowing\n")
  (func $throw
    (throw $thrown (i32.const 7)))
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    try
      (call $throw)
    catch_all
      (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 8)))
      rethrow 0
    end))
