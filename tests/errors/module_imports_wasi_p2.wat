;; A core module importing a WASI 0.2 function directly: that takes a component.
(module
  (import "wasi:cli/stdout@0.2.0" "get-stdout" (func (result i32)))
  (func (export "_start")))
