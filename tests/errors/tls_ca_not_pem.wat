;; A valid command: the case is a --tls-ca file (this one) that holds no certificate.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
