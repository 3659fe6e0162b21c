;; A valid command: the case is a `--dir` value with an empty guest path.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
