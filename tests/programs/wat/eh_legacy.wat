;; Exception handling, legacy form (try, catch, catch_all, rethrow, delegate), as LLVM
;; toolchains emitted it before try_table: one line of output per case, each number
;; printed after a space.
;;  - a throw three calls deep, caught by the caller's try;
;;  - payloads: i32, i64 and f64 together;
;;  - catch_all, and dispatch among several catch clauses by tag;
;;  - nested tries: the inner one lets another tag through;
;;  - rethrow 0 from a catch and from a catch_all, and rethrow 1 from a try nested in a
;;    handler, which rethrows the outer handler's exception, not the inner one;
;;  - delegate: past an enclosing try, to the nearest one, to a plain block, to the
;;    caller, and to a try that is already in its handler;
;;  - throws through call_indirect;
;;  - a throw from 4000 frames deep, and 1000 frames that each catch_all and rethrow;
;;  - 100000 throws in a loop;
;;  - locals (i32, i64, f64, v128) set before the throw are seen by the handler, and
;;    memory stored by the callee persists;
;;  - a throw from inside a handler, caught further out;
;;  - a try left by br (from its body or its handler) or by return no longer catches;
;;  - a try with a parameter and a result, with and without a throw.
;; The folded form `(try (do ...) (catch ...))` is not accepted by the wat crate, so the
;; tries are written flat.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)

  (tag $e_i32 (param i32))
  (tag $e_i64 (param i64))
  (tag $e_f64 (param f64))
  (tag $e_multi (param i32 i64 f64))
  (tag $e_empty)

  (type $unary (func (param i32) (result i32)))
  (table $fns 3 funcref)
  (elem (table $fns) (i32.const 0) func $double $throw_i32_ret $throw_i64_ret)

  (global $levels (mut i32) (i32.const 0))

  ;; Memory: 0 iovec, 16..63 number buffer, 64 "\n", 1024.. labels in 32-byte slots.
  (data (i32.const 64) "\n")
  (data (i32.const 1024) "across calls:\00")          ;; slot 0
  (data (i32.const 1056) "payload i32 i64 f64:\00")   ;; slot 1
  (data (i32.const 1088) "rethrow in catch_all:\00")  ;; slot 2
  (data (i32.const 1120) "catch_all:\00")             ;; slot 3
  (data (i32.const 1152) "dispatch:\00")              ;; slot 4
  (data (i32.const 1184) " i32\00")                   ;; slot 5
  (data (i32.const 1216) " i64\00")                   ;; slot 6
  (data (i32.const 1248) " f64\00")                   ;; slot 7
  (data (i32.const 1280) " all\00")                   ;; slot 8
  (data (i32.const 1312) " none\00")                  ;; slot 9
  (data (i32.const 1344) "nested, outer catches:\00") ;; slot 10
  (data (i32.const 1376) "rethrow 0:\00")             ;; slot 11
  (data (i32.const 1408) "rethrow 1:\00")             ;; slot 12
  (data (i32.const 1440) "delegate:\00")              ;; slot 13
  (data (i32.const 1472) "call_indirect:\00")         ;; slot 14
  (data (i32.const 1504) "delegate from handler:\00") ;; slot 15
  (data (i32.const 1536) "deep throw:\00")            ;; slot 16
  (data (i32.const 1568) "rethrow per frame:\00")     ;; slot 17
  (data (i32.const 1600) "loop of throws:\00")        ;; slot 18
  (data (i32.const 1632) "locals and memory:\00")     ;; slot 19
  (data (i32.const 1664) "throw in handler:\00")      ;; slot 20
  (data (i32.const 1696) "left try:\00")              ;; slot 21
  (data (i32.const 1728) "param and result:\00")      ;; slot 22
  (data (i32.const 1760) " UNREACHABLE\00")           ;; slot 23
  (data (i32.const 1792) " BAD\00")                   ;; slot 24

  ;; Output helpers.
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  ;; Writes the NUL-terminated string at $ptr.
  (func $str (param $ptr i32) (local $len i32)
    (block $done
      (loop $scan
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $ptr) (local.get $len)))))
        (local.set $len (i32.add (local.get $len) (i32.const 1)))
        (br $scan)))
    (call $write (local.get $ptr) (local.get $len)))

  (func $nl (call $write (i32.const 64) (i32.const 1)))

  ;; Writes a space and $n in signed decimal.
  (func $i64 (param $n i64) (local $p i32) (local $d i64) (local $neg i32)
    (local.set $p (i32.const 64))
    (local.set $neg (i64.lt_s (local.get $n) (i64.const 0)))
    (loop $digits
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (local.set $d (i64.rem_s (local.get $n) (i64.const 10)))
      (i64.store8 (local.get $p)
        (i64.add (i64.const 48)
          (select (i64.sub (i64.const 0) (local.get $d)) (local.get $d) (local.get $neg))))
      (local.set $n (i64.div_s (local.get $n) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $n) (i64.const 0))))
    (if (local.get $neg)
      (then
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (i32.store8 (local.get $p) (i32.const 45))))
    (local.set $p (i32.sub (local.get $p) (i32.const 1)))
    (i32.store8 (local.get $p) (i32.const 32))
    (call $write (local.get $p) (i32.sub (i32.const 64) (local.get $p))))

  (func $i32 (param $n i32) (call $i64 (i64.extend_i32_s (local.get $n))))

  ;; An f64 as its value times 1000 (truncated) and its bit pattern.
  (func $f64 (param $x f64)
    (call $i64 (i64.trunc_f64_s (f64.mul (local.get $x) (f64.const 1000))))
    (call $i64 (i64.reinterpret_f64 (local.get $x))))


  ;; Throwers.
  (func $throw_i32 (param $v i32)
    (throw $e_i32 (local.get $v)))

  ;; Two frames between the thrower and the handler; the code after each call never runs.
  (func $middle (param $v i32)
    (call $throw_i32 (i32.add (local.get $v) (i32.const 1)))
    (call $str (i32.const 1760)))

  (func $outer (param $v i32) (result i32)
    (call $middle (local.get $v))
    (call $str (i32.const 1760))
    (i32.const 999))

  ;; 0: $e_i32 10, 1: $e_i64 20, 2: $e_f64 30, 3: $e_empty, else returns.
  (func $throw_which (param $k i32)
    (block $none
      (block $empty
        (block $f64
          (block $i64
            (block $i32
              (br_table $i32 $i64 $f64 $empty $none (local.get $k)))
            (throw $e_i32 (i32.const 10)))
          (throw $e_i64 (i64.const 20)))
        (throw $e_f64 (f64.const 30)))
      (throw $e_empty)))

  (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
  (func $throw_i32_ret (type $unary) (throw $e_i32 (local.get 0)))
  (func $throw_i64_ret (type $unary)
    (throw $e_i64 (i64.mul (i64.extend_i32_s (local.get 0)) (i64.const 1000))))

  (func $across_calls
    (call $str (i32.const 1024))
    try (result i32)
      (call $outer (i32.const 41))
      (call $str (i32.const 1760))
    catch $e_i32
    end
    (call $i32)
    (call $nl))

  (func $payloads
    (local $a i32) (local $b i64) (local $c f64)
    (call $str (i32.const 1056))
    try
      (throw $e_multi (i32.const -7) (i64.const -9000000000000) (f64.const 0.1))
    catch $e_multi
      (local.set $c)
      (local.set $b)
      (local.set $a)
    end
    (call $i32 (local.get $a))
    (call $i64 (local.get $b))
    (call $f64 (local.get $c))
    (call $nl))

  (func $catch_all
    (call $str (i32.const 1120))
    try
      (call $throw_which (i32.const 1))
      (call $str (i32.const 1760))
    catch_all
      (call $i32 (i32.const 1))
    end
    try
      (call $throw_which (i32.const 3))
    catch $e_i32
      (call $str (i32.const 1792))
      (drop)
    catch_all
      (call $i32 (i32.const 2))
    end
    (call $nl))

  (func $dispatch
    (local $k i32)
    (call $str (i32.const 1152))
    (loop $next
      try
        (call $throw_which (local.get $k))
        (call $str (i32.const 1312))
      catch $e_i32
        (call $str (i32.const 1184))
        (call $i32)
      catch $e_i64
        (call $str (i32.const 1216))
        (call $i64)
      catch $e_f64
        (call $str (i32.const 1248))
        (call $f64)
      catch_all
        (call $str (i32.const 1280))
      end
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $next (i32.le_u (local.get $k) (i32.const 4))))
    (call $nl))

  (func $nested
    (call $str (i32.const 1344))
    try
      try
        (call $throw_i32 (i32.const 5))
      catch $e_i64
        (drop)
        (call $str (i32.const 1792))
      end
    catch $e_i32
      (call $i32)
    end
    (call $nl))

  (func $rethrow
    (call $str (i32.const 1376))
    try
      try
        (call $throw_i32 (i32.const 77))
      catch $e_i32
        (call $i32)
        rethrow 0
      end
    catch $e_i32
      (call $i32)
    end
    (call $nl)
    ;; rethrow 1 inside the inner handler rethrows the outer handler's exception (11).
    (call $str (i32.const 1408))
    try
      try
        (throw $e_i32 (i32.const 11))
      catch $e_i32
        (drop)
        try
          (throw $e_i64 (i64.const 22))
        catch $e_i64
          (call $i64)
          rethrow 1
        end
      end
    catch $e_i32
      (call $i32)
    catch $e_i64
      (call $str (i32.const 1792))
      (drop)
    end
    (call $nl)
    (call $str (i32.const 1088))
    try
      try
        (throw $e_f64 (f64.const -2.5))
      catch_all
        rethrow 0
      end
    catch $e_f64
      (call $f64)
    end
    (call $nl))

  ;; Delegates to its caller: depth 2 is the function body.
  (func $delegate_to_caller
    try
      block
        try
          (call $throw_i32 (i32.const 9))
        delegate 2
      end
    catch_all
      (call $str (i32.const 1792))
    end)

  (func $delegate
    (call $str (i32.const 1440))
    ;; delegate 1 skips the middle try: the outer one catches.
    try
      try
        try
          (call $throw_i32 (i32.const 3))
        delegate 1
      catch $e_i32
        (call $str (i32.const 1792))
        (drop)
      end
    catch $e_i32
      (call $i32)
    end
    ;; delegate 0: the middle try catches.
    try
      try
        try
          (call $throw_i32 (i32.const 4))
        delegate 0
      catch $e_i32
        (call $i32)
      end
    catch $e_i32
      (call $str (i32.const 1792))
      (drop)
    end
    ;; To a plain block: the try around the block catches.
    try
      block
        try
          (call $throw_which (i32.const 1))
        delegate 0
        (call $str (i32.const 1760))
      end
    catch_all
      (call $i32 (i32.const 5))
    end
    ;; To the caller.
    try
      (call $delegate_to_caller)
    catch $e_i32
      (call $i32)
    end
    (call $nl)
    ;; A delegate inside a handler, to the try whose handler it is: that try no longer
    ;; catches, the outer one does.
    (call $str (i32.const 1504))
    try
      try
        (call $throw_i32 (i32.const 1))
      catch $e_i32
        (call $i32)
        try
          (throw $e_i64 (i64.const 2))
        delegate 0
      catch $e_i64
        (call $str (i32.const 1792))
        (drop)
      end
    catch $e_i64
      (call $i64)
    end
    (call $nl))

  (func $indirect
    (local $k i32)
    (call $str (i32.const 1472))
    (loop $next
      try
        (call $i32 (call_indirect $fns (type $unary) (i32.const 7) (local.get $k)))
      catch $e_i32
        (call $str (i32.const 1184))
        (call $i32)
      catch $e_i64
        (call $str (i32.const 1216))
        (call $i64)
      end
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $k) (i32.const 3))))
    (call $nl))

  (func $recurse (param $n i32) (result i32)
    (if (i32.eqz (local.get $n))
      (then (throw $e_i32 (i32.const 12345))))
    (i32.add (call $recurse (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))

  ;; Every frame catches the exception, counts itself and rethrows it.
  (func $recurse_rethrow (param $n i32)
    (if (i32.eqz (local.get $n))
      (then (throw $e_i32 (i32.const 54321))))
    try
      (call $recurse_rethrow (i32.sub (local.get $n) (i32.const 1)))
    catch_all
      (global.set $levels (i32.add (global.get $levels) (i32.const 1)))
      rethrow 0
    end)

  (func $deep
    (call $str (i32.const 1536))
    try (result i32)
      (call $recurse (i32.const 4000))
    catch $e_i32
    end
    (call $i32)
    (call $nl)
    (call $str (i32.const 1568))
    try
      (call $recurse_rethrow (i32.const 1000))
    catch $e_i32
      (call $i32)
    end
    (call $i32 (global.get $levels))
    (call $nl))

  (func $loop_of_throws
    (local $i i32) (local $sum i64)
    (call $str (i32.const 1600))
    (loop $next
      try
        (throw $e_i64 (i64.extend_i32_u (local.get $i)))
      catch $e_i64
        (local.set $sum (i64.add (local.get $sum)))
      end
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 100000))))
    (call $i32 (local.get $i))
    (call $i64 (local.get $sum))
    (call $nl))

  ;; Stores $v at address 512, then throws it times 3.
  (func $store_then_throw (param $v i32)
    (i32.store (i32.const 512) (local.get $v))
    (throw $e_i32 (i32.mul (local.get $v) (i32.const 3))))

  (func $locals_and_memory
    (local $a i32) (local $b i64) (local $c f64) (local $v v128) (local $x i32)
    (local.set $a (i32.const 1))
    (local.set $b (i64.const 2))
    (local.set $c (f64.const 3))
    (local.set $v (v128.const i32x4 1 1 1 1))
    (call $str (i32.const 1632))
    try
      (local.set $a (i32.const 10))
      (local.set $b (i64.const 20000000000))
      (local.set $c (f64.const 30.5))
      (local.set $v (v128.const i32x4 100 200 300 400))
      (call $store_then_throw (i32.add (local.get $a) (i32.const 1)))
      (local.set $a (i32.const 99))
      (local.set $v (v128.const i32x4 0 0 0 0))
    catch $e_i32
      (local.set $x)
    end
    (call $i32 (local.get $a))
    (call $i64 (local.get $b))
    (call $f64 (local.get $c))
    (call $i32
      (i32.add
        (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
        (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))
    (call $i32 (local.get $x))
    (call $i32 (i32.load (i32.const 512)))
    (call $nl))

  (func $throw_in_handler (local $v i32)
    (call $str (i32.const 1664))
    try
      try
        (call $throw_i32 (i32.const 40))
      catch $e_i32
        (local.tee $v)
        (call $i32)
        (throw $e_i64 (i64.extend_i32_s (i32.add (local.get $v) (i32.const 2))))
      end
    catch $e_i64
      (call $i64)
    end
    (call $nl))

  ;; Returns from inside a try whose catch_all must not see later throws.
  (func $return_from_try (result i32)
    try
      (return (i32.const 5))
    catch_all
      (call $str (i32.const 1792))
    end
    (i32.const -1))

  (func $left_try
    (call $str (i32.const 1696))
    ;; Left by br from the body: a later throw goes to the second try.
    block $exit
      try
        (br $exit)
      catch_all
        (call $str (i32.const 1792))
      end
    end
    try
      (call $throw_i32 (i32.const 1))
    catch_all
      (call $i32 (i32.const 2))
    end
    ;; Left by br from the handler: the exception is finished with.
    block $out
      try
        (call $throw_i32 (i32.const 1))
      catch $e_i32
        (drop)
        (br $out)
      end
    end
    try
      (call $throw_i32 (i32.const 1))
    catch_all
      (call $i32 (i32.const 3))
    end
    ;; Left by return in a callee.
    try
      (call $i32 (call $return_from_try))
      (call $throw_i32 (i32.const 0))
    catch_all
      (call $i32 (i32.const 4))
    end
    (call $nl))

  (func $param_and_result
    (call $str (i32.const 1728))
    ;; No throw: the try consumes its parameter and yields its result.
    (i32.const 7)
    try (param i32) (result i32)
      (i32.add (i32.const 1))
    catch $e_i32
    end
    (call $i32)
    ;; A throw: the result comes from the handler.
    (i32.const 7)
    try (param i32) (result i32)
      (call $throw_i32 (i32.mul (i32.const 3)))
      (i32.const 0)
    catch $e_i32
      (i32.add (i32.const 100))
    end
    (call $i32)
    (call $nl))

  (func (export "_start")
    (call $across_calls)
    (call $payloads)
    (call $catch_all)
    (call $dispatch)
    (call $nested)
    (call $rethrow)
    (call $delegate)
    (call $indirect)
    (call $deep)
    (call $loop_of_throws)
    (call $locals_and_memory)
    (call $throw_in_handler)
    (call $left_try)
    (call $param_and_result)))
