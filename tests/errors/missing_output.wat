;; A valid command: the case is `build` without `-o`.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
