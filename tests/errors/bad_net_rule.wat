;; A valid command: the case is an --allow-tcp-connect rule whose CIDR prefix is too long.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
