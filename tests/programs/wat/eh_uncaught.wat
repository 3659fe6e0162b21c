;; An exception that no handler catches: it passes a try_table that catches another tag
;; and a frame with no handler, and reaches _start's caller. Reported like a trap: the
;; line printed before stays on stdout, stderr names the uncaught exception, status 134.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (tag $thrown (param i32))
  (tag $other (param i32))
  (data (i32.const 0) "\10\00\00\00\0d\00\00\00")
  (data (i32.const 16) "before throw\n")
  (func $throw
    (throw $thrown (i32.const 7)))
  (func $pass_through
    (call $throw))
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (block $caught (result i32)
      (try_table (catch $other $caught)
        (call $pass_through))
      (i32.const 0))
    (drop)))
