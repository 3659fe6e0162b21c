;; A module using the GC proposal's struct types: rejected at build time, naming the feature.
(module
  (type $point (struct (field i32) (field i32)))
  (func (export "_start"))
)
