;; Well-formed but invalid: the body leaves an i64 where the result type says i32.
(module
  (memory (export "memory") 1)
  (func (export "_start"))
  (func (result i32)
    i64.const 0))
