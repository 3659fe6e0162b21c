;; call_indirect through tables whose contents the compiler knows (compiler/src/static_table.rs):
;; private funcref tables that no instruction writes, filled by constant active segments.
;; Every trap of call_indirect must stay as the spec defines it, and tables that do not
;; qualify must keep working through the runtime's table.

;; Functions of two types and null slots: the type is checked per call.
(module
  (type $i2i (func (param i32) (result i32)))
  (type $l2l (func (param i64) (result i64)))
  (table 6 funcref)
  (elem (i32.const 1) func $inc $double $wide)
  ;; A later segment overwrites an earlier one.
  (elem (i32.const 2) func $triple)
  (func $inc (type $i2i) (i32.add (local.get 0) (i32.const 1)))
  (func $double (type $i2i) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (type $i2i) (i32.mul (local.get 0) (i32.const 3)))
  (func $wide (type $l2l) (i64.add (local.get 0) (i64.const 1000)))
  (func (export "i2i") (param i32 i32) (result i32)
    (call_indirect (type $i2i) (local.get 1) (local.get 0)))
  (func (export "l2l") (param i64 i32) (result i64)
    (call_indirect (type $l2l) (local.get 0) (local.get 1)))
  (func (export "tail") (param i32 i32) (result i32)
    (return_call_indirect (type $i2i) (local.get 1) (local.get 0)))
)
(assert_return (invoke "i2i" (i32.const 1) (i32.const 41)) (i32.const 42))
(assert_return (invoke "i2i" (i32.const 2) (i32.const 7)) (i32.const 21))
(assert_return (invoke "l2l" (i64.const 1) (i32.const 3)) (i64.const 1001))
(assert_return (invoke "tail" (i32.const 1) (i32.const 1)) (i32.const 2))
(assert_trap (invoke "i2i" (i32.const 0) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "i2i" (i32.const 4) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "i2i" (i32.const 3) (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "l2l" (i64.const 1) (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "i2i" (i32.const 6) (i32.const 1)) "undefined element")
(assert_trap (invoke "i2i" (i32.const -1) (i32.const 1)) "undefined element")
(assert_trap (invoke "tail" (i32.const 0) (i32.const 1)) "uninitialized element")

;; Functions of one type and a null slot (as C compilers lay tables out): no type check,
;; a null slot is a null code pointer.
(module
  (type $i2i (func (param i32) (result i32)))
  (type $v2i (func (result i32)))
  (table 3 funcref)
  (elem (i32.const 1) func $inc $double)
  (func $inc (type $i2i) (i32.add (local.get 0) (i32.const 1)))
  (func $double (type $i2i) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "i2i") (param i32 i32) (result i32)
    (call_indirect (type $i2i) (local.get 1) (local.get 0)))
  (func (export "v2i") (param i32) (result i32)
    (call_indirect (type $v2i) (local.get 0)))
)
(assert_return (invoke "i2i" (i32.const 1) (i32.const 1)) (i32.const 2))
(assert_return (invoke "i2i" (i32.const 2) (i32.const 5)) (i32.const 10))
(assert_trap (invoke "i2i" (i32.const 0) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "i2i" (i32.const 3) (i32.const 1)) "undefined element")
(assert_trap (invoke "v2i" (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "v2i" (i32.const 0)) "uninitialized element")

;; Every slot filled with one type: no check at all but the bounds.
(module
  (type $i2i (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) func $inc $double)
  (func $inc (type $i2i) (i32.add (local.get 0) (i32.const 1)))
  (func $double (type $i2i) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "i2i") (param i32 i32) (result i32)
    (call_indirect (type $i2i) (local.get 1) (local.get 0)))
)
(assert_return (invoke "i2i" (i32.const 0) (i32.const 1)) (i32.const 2))
(assert_return (invoke "i2i" (i32.const 1) (i32.const 4)) (i32.const 8))
(assert_trap (invoke "i2i" (i32.const 2) (i32.const 1)) "undefined element")

;; A small function calling through a static table, inlined into a caller that names other
;; functions first: the table's arrays must still be the ones the callee meant.
(module
  (type $i2i (func (param i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 1) func $inc $wide)
  (func $inc (type $i2i) (i32.add (local.get 0) (i32.const 1)))
  (func $wide (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
  (func $other (param i32) (result i32) (i32.add (local.get 0) (i32.const 100)))
  (func $dispatch (param i32 i32) (result i32)
    (call_indirect (type $i2i) (local.get 1) (local.get 0)))
  (func (export "caller") (param i32 i32) (result i32)
    (i32.add (call $other (local.get 1)) (call $dispatch (local.get 0) (local.get 1))))
)
(assert_return (invoke "caller" (i32.const 1) (i32.const 1)) (i32.const 103))
(assert_trap (invoke "caller" (i32.const 2) (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "caller" (i32.const 0) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "caller" (i32.const 3) (i32.const 1)) "undefined element")

;; Written by table.set, table.fill, table.copy or table.init, or filled at an offset
;; read from a global: not static, and the runtime's table must see every change.
(module
  (type $i2i (func (param i32) (result i32)))
  (table $set 2 funcref)
  (table $fill 2 funcref)
  (table $copy 2 funcref)
  (table $init 2 funcref)
  (table $global 3 funcref)
  (global $at i32 (i32.const 2))
  (elem (table $set) (i32.const 0) func $inc)
  (elem (table $fill) (i32.const 0) func $inc)
  (elem (table $copy) (i32.const 0) func $inc)
  (elem (table $init) (i32.const 0) func $inc)
  (elem (table $global) (global.get $at) func $double)
  (elem $later func $double)
  (func $inc (type $i2i) (i32.add (local.get 0) (i32.const 1)))
  (func $double (type $i2i) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "rewrite")
    (table.set $set (i32.const 0) (ref.func $double))
    (table.fill $fill (i32.const 0) (ref.func $double) (i32.const 2))
    (table.copy $copy $set (i32.const 1) (i32.const 0) (i32.const 1))
    (table.init $init $later (i32.const 1) (i32.const 0) (i32.const 1)))
  (func (export "set") (param i32) (result i32)
    (call_indirect $set (type $i2i) (i32.const 10) (local.get 0)))
  (func (export "fill") (param i32) (result i32)
    (call_indirect $fill (type $i2i) (i32.const 10) (local.get 0)))
  (func (export "copy") (param i32) (result i32)
    (call_indirect $copy (type $i2i) (i32.const 10) (local.get 0)))
  (func (export "init") (param i32) (result i32)
    (call_indirect $init (type $i2i) (i32.const 10) (local.get 0)))
  (func (export "global") (param i32) (result i32)
    (call_indirect $global (type $i2i) (i32.const 10) (local.get 0)))
)
(assert_return (invoke "set" (i32.const 0)) (i32.const 11))
(assert_trap (invoke "copy" (i32.const 1)) "uninitialized element")
(assert_trap (invoke "init" (i32.const 1)) "uninitialized element")
(assert_return (invoke "global" (i32.const 2)) (i32.const 20))
(assert_trap (invoke "global" (i32.const 0)) "uninitialized element")
(invoke "rewrite")
(assert_return (invoke "set" (i32.const 0)) (i32.const 20))
(assert_return (invoke "fill" (i32.const 0)) (i32.const 20))
(assert_return (invoke "fill" (i32.const 1)) (i32.const 20))
(assert_return (invoke "copy" (i32.const 1)) (i32.const 20))
(assert_return (invoke "init" (i32.const 1)) (i32.const 20))

;; Exported: another module may write it.
(module $exporter
  (type $i2i (func (param i32) (result i32)))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) func $inc)
  (func $inc (type $i2i) (i32.add (local.get 0) (i32.const 1)))
  (func (export "call") (param i32) (result i32)
    (call_indirect (type $i2i) (i32.const 10) (local.get 0)))
)
(register "exporter" $exporter)
(module
  (type $i2i (func (param i32) (result i32)))
  (import "exporter" "table" (table 2 funcref))
  (func $triple (type $i2i) (i32.mul (local.get 0) (i32.const 3)))
  (elem (i32.const 1) func $triple)
)
(assert_return (invoke $exporter "call" (i32.const 0)) (i32.const 11))
(assert_return (invoke $exporter "call" (i32.const 1)) (i32.const 30))

;; Instantiation that stops partway: a function escapes into another module's table through
;; an early segment, a later segment traps, and the segment that would fill the private
;; table never runs. The escaped function must see that table empty.
(module $A
  (type $v (func (result i32)))
  (table (export "t") 1 funcref)
  (func (export "call0") (result i32) (call_indirect (type $v) (i32.const 0))))
(register "A" $A)
(assert_trap
  (module
    (type $v (func (result i32)))
    (import "A" "t" (table 1 funcref))
    (table $p 1 funcref)
    (table $q 1 funcref)
    (func $g (type $v) (call_indirect $p (type $v) (i32.const 0)))
    (func $f (type $v) (i32.const 42))
    (elem (table 0) (i32.const 0) func $g)
    (elem (table $q) (i32.const 1) func $f)
    (elem (table $p) (i32.const 0) func $f))
  "out of bounds table access")
(assert_trap (invoke $A "call0") "uninitialized element")

;; A segment out of bounds fails instantiation, as ever.
(assert_trap
  (module
    (table 2 funcref)
    (elem (i32.const 1) func $f $f)
    (func $f))
  "out of bounds table access")
