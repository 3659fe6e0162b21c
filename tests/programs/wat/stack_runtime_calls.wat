;; Unbounded recursion where every level also calls into the runtime: a host function
;; (clock_time_get) and a libcall (memory.grow by 0 pages). Functions that call runtime
;; code check the stack limit, which keeps a reserve for that code, so the run must end
;; in the "call stack exhausted" trap (status 134), never in a fault inside the runtime.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\0a\00\00\00")
  (data (i32.const 16) "recursing\n")
  (global $sink (mut i32) (i32.const 0))
  (func $deep (param $n i32) (result i32)
    (global.set $sink
      (i32.add
        (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 32))
        (memory.grow (i32.const 0))))
    (i32.add (call $deep (i32.add (local.get $n) (i32.const 1))) (global.get $sink)))
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (global.set $sink (call $deep (i32.const 0)))))
