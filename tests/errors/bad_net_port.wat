;; A valid command: the case is an --allow-udp rule whose port is out of range.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
