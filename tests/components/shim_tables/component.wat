(component
  (import "wasi:io/error@0.2.0" (instance $error (export "error" (type (sub resource)))))
  (alias export $error "error" (type $error-type))
  (import "wasi:io/streams@0.2.0" (instance $streams
    (alias outer 1 $error-type (type $e))
    (export "error" (type $err (eq $e)))
    (export "output-stream" (type $os (sub resource)))
    (type $own-err (own $err))
    (type $stream-error (variant (case "last-operation-failed" $own-err) (case "closed")))
    (export "stream-error" (type $se (eq $stream-error)))
    (type $borrow-os (borrow $os))
    (type $res (result (error $se)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" $borrow-os) (param "contents" (list u8)) (result $res)))
  ))
  (alias export $streams "output-stream" (type $output-stream))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (alias outer 1 $output-stream (type $os0))
    (export "output-stream" (type $os (eq $os0)))
    (type $own (own $os))
    (export "get-stdout" (func (result $own)))
  ))
;; The shape wit-component gives a component whose main module defines the memory its
;; imports lower into: the main module's imports go through a shim instance's table, which
;; a fixup instance fills once the functions exist. The plan binds `write` (a lowering,
;; which exists before the main module) straight to its trampoline; `log` (a function of
;; the later helper instance) stays behind the shim, since an import can only name an
;; earlier instance.
  (core module $shim
    (type $write (func (param i32 i32 i32 i32)))
    (type $log (func (param i32)))
    (table 2 2 funcref)
    (export "0" (func $write))
    (export "1" (func $log))
    (export "$imports" (table 0))
    (func $write (type $write)
      local.get 0 local.get 1 local.get 2 local.get 3 i32.const 0 call_indirect (type $write))
    (func $log (type $log)
      local.get 0 i32.const 1 call_indirect (type $log)))
  (core instance $shim (instantiate $shim))
  (alias export $stdout "get-stdout" (func $get-stdout))
  (alias export $streams "[method]output-stream.blocking-write-and-flush" (func $write))
  (core func $get-stdout (canon lower (func $get-stdout)))
  (core func $drop (canon resource.drop $output-stream))
  (core module $main
    (import "host" "get-stdout" (func $get-stdout (result i32)))
    (import "host" "write" (func $write (param i32 i32 i32 i32)))
    (import "host" "log" (func $log (param i32)))
    (import "host" "drop" (func $drop (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "hello through a shim\n")
    (func (export "run") (result i32)
      (local $out i32)
      (call $log (i32.const 1))
      (local.set $out (call $get-stdout))
      (call $write (local.get $out) (i32.const 16) (i32.const 21) (i32.const 64))
      (call $drop (local.get $out))
      (i32.load8_u (i32.const 64)))
  )
  (core instance $host
    (export "get-stdout" (func $get-stdout))
    (export "write" (func $shim "0"))
    (export "log" (func $shim "1"))
    (export "drop" (func $drop)))
  (core instance $main (instantiate $main (with "host" (instance $host))))
  (alias core export $main "memory" (core memory $memory))
  (core module $helper
    (import "env" "memory" (memory 1))
    (func (export "log") (param i32)
      (i32.store8 (i32.const 8) (local.get 0))))
  (core instance $env (export "memory" (memory $memory)))
  (core instance $helper (instantiate $helper (with "env" (instance $env))))
  (core func $write (canon lower (func $write) (memory $memory)))
  (core module $fixup
    (import "actual" "0" (func $write (param i32 i32 i32 i32)))
    (import "actual" "1" (func $log (param i32)))
    (import "shim" "$imports" (table 2 2 funcref))
    (elem (i32.const 0) func $write $log))
  (core instance $actual
    (export "0" (func $write))
    (export "1" (func $helper "log")))
  (core instance (instantiate $fixup
    (with "actual" (instance $actual))
    (with "shim" (instance $shim))))
  (func $run (result (result)) (canon lift (core func $main "run")))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-inst))
)
