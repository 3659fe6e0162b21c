;; A valid command: the case is `--dir`, which this build does not support yet.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
