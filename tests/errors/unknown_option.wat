;; A valid command: the case is about the flags in the .args file.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
