;; A valid command: the case is a --tls-ca file that does not exist.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
