;; Multi-value: a function returning two results, a block, a loop and an `if`
;; that take parameters from the operand stack, and a multi-value call_indirect.
;; Each computed number is printed in decimal with fd_write.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (type $pair (func (param i32 i32) (result i32 i32)))
  (table 2 funcref)
  (elem (i32.const 0) $divmod $swap)
  ;; Labels at 64.., the decimal buffer at 32..47, iovecs at 0..15.
  (data (i32.const 64) "divmod 100 7 -> ")   ;; 64, 16 bytes
  (data (i32.const 80) "combined ")          ;; 80, 9 bytes
  (data (i32.const 96) "loop sum ")          ;; 96, 9 bytes
  (data (i32.const 112) "if result ")        ;; 112, 10 bytes
  (data (i32.const 128) "indirect swap ")    ;; 128, 14 bytes

  (func $divmod (type $pair)
    (i32.div_u (local.get 0) (local.get 1))
    (i32.rem_u (local.get 0) (local.get 1)))

  (func $swap (type $pair)
    local.get 1
    local.get 0)

  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  ;; Writes $n in decimal followed by $end (a space or a newline).
  (func $write_u32 (param $n i32) (param $end i32)
    (local $p i32)
    (local.set $p (i32.const 47))
    (i32.store8 (local.get $p) (local.get $end))
    (loop $digits
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $n)))
    (call $write (local.get $p) (i32.sub (i32.const 48) (local.get $p))))

  (func (export "_start")
    (local $q i32) (local $r i32)
    ;; divmod 100 7 -> 14 2
    (call $write (i32.const 64) (i32.const 16))
    (call $divmod (i32.const 100) (i32.const 7))
    local.set $r
    local.set $q
    (call $write_u32 (local.get $q) (i32.const 32))
    (call $write_u32 (local.get $r) (i32.const 10))

    ;; combined 142: a block takes both results as parameters and returns q*10+r.
    (call $write (i32.const 80) (i32.const 9))
    (call $divmod (i32.const 100) (i32.const 7))
    (block (param i32 i32) (result i32)
      call $swap
      i32.const 10
      i32.mul
      i32.add)
    (call $write_u32 (i32.const 10))

    ;; loop sum 5050: the loop carries (counter, sum) as its parameters.
    (call $write (i32.const 96) (i32.const 9))
    i32.const 100
    i32.const 0
    (loop $next (param i32 i32) (result i32 i32)
      local.set $r
      local.tee $q
      local.get $r
      local.get $q
      i32.add
      local.set $r
      i32.const 1
      i32.sub
      local.tee $q
      local.get $r
      local.get $q
      br_if $next)
    (local.set $r)
    (drop)
    (call $write_u32 (local.get $r) (i32.const 10))

    ;; if result 21: an `if` consumes two operands and the condition.
    (call $write (i32.const 112) (i32.const 10))
    i32.const 20
    i32.const 1
    (i32.gt_u (local.get $r) (i32.const 5000))
    (if (param i32 i32) (result i32)
      (then i32.add)
      (else i32.sub))
    (call $write_u32 (i32.const 10))

    ;; indirect swap 9 4: multi-value results through call_indirect.
    (call $write (i32.const 128) (i32.const 14))
    (call_indirect (type $pair) (i32.const 4) (i32.const 9) (i32.const 1))
    local.set $r
    local.set $q
    (call $write_u32 (local.get $q) (i32.const 32))
    (call $write_u32 (local.get $r) (i32.const 10))))
