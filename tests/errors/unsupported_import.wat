;; A function import the runtime does not provide: the message names module, field and type.
(module
  (import "env" "foo" (func (param i32 i64) (result f32)))
  (memory (export "memory") 1)
  (func (export "_start")))
