;; Not well-formed WAT: `i32.const` lacks its immediate.
(module
  (func (result i32)
    i32.const))
