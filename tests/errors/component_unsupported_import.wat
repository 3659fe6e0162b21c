;; A component importing an interface the host does not provide (wasi:keyvalue is no WASI 0.2 interface).
(component
  (import "wasi:keyvalue/store@0.2.0" (instance $kv
    (export "get" (func (param "n" u32) (result u32)))
  ))
  (alias export $kv "get" (func $f))
  (core func $get (canon lower (func $f)))
  (core module $m
    (import "kv" "get" (func (param i32) (result i32)))
    (func (export "run") (result i32) (i32.const 0)))
  (core instance $host (export "get" (func $get)))
  (core instance $i (instantiate $m (with "kv" (instance $host))))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-inst))
)
