;; A command must define its memory: nothing provides an imported one.
(module
  (import "env" "memory" (memory 1))
  (func (export "_start")))
