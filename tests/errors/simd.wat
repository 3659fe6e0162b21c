;; SIMD (v128) is not supported yet: rejected at build time, naming the operator.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (i32x4.splat (i32.const 1)))))
