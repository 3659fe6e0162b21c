;; Exception handling, standard form (try_table, throw, throw_ref, exnref): one line of
;; output per case, each number printed after a space.
;;  - a throw three calls deep, caught by the caller's try_table;
;;  - payloads: i32, i64 and f64 together, and a lone f64 (printed x1000 and as bits);
;;  - catch_all, and dispatch among several catch clauses by tag;
;;  - nested try_tables: the inner one lets another tag through, or catches its own;
;;  - catch_ref + throw_ref, and an exnref kept in a local and rethrown later;
;;  - throws through call_indirect and call_ref;
;;  - a throw from 4000 frames deep, and 1000 frames that each catch and rethrow;
;;  - 100000 throws in a loop;
;;  - locals (i32, i64, f64, v128) set before the throw are seen by the handler, and
;;    memory stored by the callee persists;
;;  - a throw from inside a handler, caught further out;
;;  - a try_table left by br or return no longer catches;
;;  - a try_table with a parameter and a result, with and without a throw.
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
  (elem declare func $throw_i32_ret)

  (global $levels (mut i32) (i32.const 0))

  ;; Memory: 0 iovec, 16..63 number buffer, 64 "\n", 1024.. labels in 32-byte slots.
  (data (i32.const 64) "\n")
  (data (i32.const 1024) "across calls:\00")          ;; slot 0
  (data (i32.const 1056) "payload i32 i64 f64:\00")   ;; slot 1
  (data (i32.const 1088) "payload f64:\00")           ;; slot 2
  (data (i32.const 1120) "catch_all:\00")             ;; slot 3
  (data (i32.const 1152) "dispatch:\00")              ;; slot 4
  (data (i32.const 1184) " i32\00")                   ;; slot 5
  (data (i32.const 1216) " i64\00")                   ;; slot 6
  (data (i32.const 1248) " f64\00")                   ;; slot 7
  (data (i32.const 1280) " all\00")                   ;; slot 8
  (data (i32.const 1312) " none\00")                  ;; slot 9
  (data (i32.const 1344) "nested, outer catches:\00") ;; slot 10
  (data (i32.const 1376) "nested, inner catches:\00") ;; slot 11
  (data (i32.const 1408) "catch_ref + throw_ref:\00") ;; slot 12
  (data (i32.const 1440) "exnref in a local:\00")     ;; slot 13
  (data (i32.const 1472) "call_indirect:\00")         ;; slot 14
  (data (i32.const 1504) "call_ref:\00")              ;; slot 15
  (data (i32.const 1536) "deep throw:\00")            ;; slot 16
  (data (i32.const 1568) "rethrow per frame:\00")     ;; slot 17
  (data (i32.const 1600) "loop of throws:\00")        ;; slot 18
  (data (i32.const 1632) "locals and memory:\00")     ;; slot 19
  (data (i32.const 1664) "throw in handler:\00")      ;; slot 20
  (data (i32.const 1696) "left try_table:\00")        ;; slot 21
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
    (block $done
      (call $i32
        (block $caught (result i32)
          (try_table (catch $e_i32 $caught)
            (drop (call $outer (i32.const 41))))
          (call $str (i32.const 1760))
          (br $done))))
    (call $nl))

  (func $payloads
    (local $a i32) (local $b i64) (local $c f64)
    (call $str (i32.const 1056))
    (block $done
      (block $caught (result i32 i64 f64)
        (try_table (catch $e_multi $caught)
          (throw $e_multi (i32.const -7) (i64.const -9000000000000) (f64.const 0.1)))
        (br $done))
      ;; Stack: i32 i64 f64.
      (local.set $c)
      (local.set $b)
      (local.set $a)
      (call $i32 (local.get $a))
      (call $i64 (local.get $b))
      (call $f64 (local.get $c)))
    (call $nl)
    (call $str (i32.const 1088))
    (block $done
      (call $f64
        (block $caught (result f64)
          (try_table (catch $e_f64 $caught)
            (call $throw_which (i32.const 2)))
          (br $done))))
    (block $done
      (call $f64
        (block $caught (result f64)
          (try_table (catch $e_f64 $caught)
            (throw $e_f64 (f64.const -2.5)))
          (br $done))))
    (call $nl))

  (func $catch_all
    (call $str (i32.const 1120))
    (block $done
      (block $caught
        (try_table (catch_all $caught)
          (call $throw_which (i32.const 1)))
        (call $str (i32.const 1760))
        (br $done))
      (call $i32 (i32.const 1)))
    (block $done
      (block $caught
        (try_table (catch_all $caught)
          (call $throw_which (i32.const 3)))
        (br $done))
      (call $i32 (i32.const 2)))
    (call $nl))

  (func $dispatch
    (local $k i32)
    (call $str (i32.const 1152))
    (loop $next
      (block $done
        (block $all
          (block $f64 (result f64)
            (block $i64 (result i64)
              (block $i32 (result i32)
                (try_table (catch $e_i32 $i32) (catch $e_i64 $i64) (catch $e_f64 $f64)
                           (catch_all $all)
                  (call $throw_which (local.get $k)))
                (call $str (i32.const 1312))
                (br $done))
              (call $str (i32.const 1184))
              (call $i32)
              (br $done))
            (call $str (i32.const 1216))
            (call $i64)
            (br $done))
          (call $str (i32.const 1248))
          (call $f64)
          (br $done))
        (call $str (i32.const 1280)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $next (i32.le_u (local.get $k) (i32.const 4))))
    (call $nl))

  (func $nested
    (call $str (i32.const 1344))
    (block $done
      (call $i32
        (block $outer (result i32)
          (try_table (catch $e_i32 $outer)
            (block $inner (result i64)
              (try_table (catch $e_i64 $inner)
                (call $throw_i32 (i32.const 5)))
              (br $done))
            ;; The inner handler must not run for $e_i32.
            (drop)
            (call $str (i32.const 1792))
            (br $done))
          (br $done))))
    (call $nl)
    (call $str (i32.const 1376))
    (block $done
      (block $outer (result i32)
        (try_table (catch $e_i32 $outer)
          (call $i32
            (block $inner (result i32)
              (try_table (catch $e_i32 $inner)
                (call $throw_i32 (i32.const 6)))
              (br $done)))
          ;; Caught by the inner handler: the outer one stays unused.
          (call $i32 (i32.const 100)))
        (br $done))
      (call $str (i32.const 1792))
      (drop))
    (call $nl))

  (func $catch_ref_throw_ref
    (local $exn exnref)
    (call $str (i32.const 1408))
    (block $done
      (call $i32
        (block $outer (result i32)
          (try_table (catch $e_i32 $outer)
            (block $inner (result i32 exnref)
              (try_table (catch_ref $e_i32 $inner)
                (call $throw_i32 (i32.const 77)))
              (br $done))
            (local.set $exn)
            (call $i32)
            (throw_ref (local.get $exn)))
          (br $done))))
    (call $nl)
    ;; catch_all_ref: the exnref leaves its handler in a local and is thrown later.
    (call $str (i32.const 1440))
    (block $got
      (local.set $exn
        (block $caught (result exnref)
          (try_table (catch_all_ref $caught)
            (throw $e_i64 (i64.const -123456789012)))
          (br $got))))
    (call $i32 (ref.is_null (local.get $exn)))
    (block $done
      (call $i64
        (block $again (result i64)
          (try_table (catch $e_i64 $again)
            (throw_ref (local.get $exn)))
          (br $done))))
    (call $nl))

  (func $indirect
    (local $k i32)
    (call $str (i32.const 1472))
    (loop $next
      (block $done
        (block $i64 (result i64)
          (block $i32 (result i32)
            (try_table (catch $e_i32 $i32) (catch $e_i64 $i64)
              (call $i32 (call_indirect $fns (type $unary) (i32.const 7) (local.get $k))))
            (br $done))
          (call $str (i32.const 1184))
          (call $i32)
          (br $done))
        (call $str (i32.const 1216))
        (call $i64))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $k) (i32.const 3))))
    (call $nl)
    (call $str (i32.const 1504))
    (block $done
      (call $i32
        (block $caught (result i32)
          (try_table (catch $e_i32 $caught)
            (drop (call_ref $unary (i32.const 8) (ref.func $throw_i32_ret))))
          (br $done))))
    (call $nl))

  (func $recurse (param $n i32) (result i32)
    (if (i32.eqz (local.get $n))
      (then (throw $e_i32 (i32.const 12345))))
    (i32.add (call $recurse (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))

  ;; Every frame catches the exception, counts itself and throws it on.
  (func $recurse_rethrow (param $n i32) (local $exn exnref)
    (if (i32.eqz (local.get $n))
      (then (throw $e_i32 (i32.const 54321))))
    (local.set $exn
      (block $caught (result exnref)
        (try_table (catch_all_ref $caught)
          (call $recurse_rethrow (i32.sub (local.get $n) (i32.const 1))))
        (return)))
    (global.set $levels (i32.add (global.get $levels) (i32.const 1)))
    (throw_ref (local.get $exn)))

  (func $deep
    (call $str (i32.const 1536))
    (block $done
      (call $i32
        (block $caught (result i32)
          (try_table (catch $e_i32 $caught)
            (drop (call $recurse (i32.const 4000))))
          (br $done))))
    (call $nl)
    (call $str (i32.const 1568))
    (block $done
      (call $i32
        (block $caught (result i32)
          (try_table (catch $e_i32 $caught)
            (call $recurse_rethrow (i32.const 1000)))
          (br $done))))
    (call $i32 (global.get $levels))
    (call $nl))

  (func $loop_of_throws
    (local $i i32) (local $sum i64)
    (call $str (i32.const 1600))
    (loop $next
      (local.set $sum
        (i64.add (local.get $sum)
          (block $caught (result i64)
            (try_table (catch $e_i64 $caught)
              (throw $e_i64 (i64.extend_i32_u (local.get $i))))
            (i64.const 1000000000000))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 100000))))
    (call $i32 (local.get $i))
    (call $i64 (local.get $sum))
    (call $nl))

  ;; Stores $v at address 512, then throws it.
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
    (block $done
      (local.set $x
        (block $caught (result i32)
          (try_table (catch $e_i32 $caught)
            (local.set $a (i32.const 10))
            (local.set $b (i64.const 20000000000))
            (local.set $c (f64.const 30.5))
            (local.set $v (v128.const i32x4 100 200 300 400))
            (call $store_then_throw (i32.add (local.get $a) (i32.const 1)))
            (local.set $a (i32.const 99))
            (local.set $v (v128.const i32x4 0 0 0 0)))
          (call $str (i32.const 1760))
          (br $done)))
      (call $i32 (local.get $a))
      (call $i64 (local.get $b))
      (call $f64 (local.get $c))
      (call $i32
        (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
          (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))
      (call $i32 (local.get $x))
      (call $i32 (i32.load (i32.const 512))))
    (call $nl))

  (func $throw_in_handler (local $v i32)
    (call $str (i32.const 1664))
    (block $done
      (call $i64
        (block $outer (result i64)
          (try_table (catch $e_i64 $outer)
            (block $inner (result i32)
              (try_table (catch $e_i32 $inner)
                (call $throw_i32 (i32.const 40)))
              (br $done))
            ;; In the inner handler, still inside the outer try_table.
            (local.tee $v)
            (call $i32)
            (throw $e_i64 (i64.extend_i32_s (i32.add (local.get $v) (i32.const 2)))))
          (br $done))))
    (call $nl))

  ;; Returns from inside a try_table whose catch_all must not see later throws.
  (func $return_from_try (result i32)
    (block $caught
      (try_table (catch_all $caught)
        (return (i32.const 5))))
    (call $str (i32.const 1792))
    (i32.const -1))

  (func $left_try_table
    (local $which i32)
    (call $str (i32.const 1696))
    ;; Left by br: a later throw in the same function goes to the second try_table.
    (block $done
      (block $first
        (block $exit
          (try_table (catch_all $first)
            (br $exit)))
        (block $second
          (try_table (catch_all $second)
            (call $throw_i32 (i32.const 1)))
          (br $done))
        (call $i32 (i32.const 2))
        (br $done))
      (call $str (i32.const 1792)))
    ;; Left by return in a callee.
    (block $done
      (block $caught
        (try_table (catch_all $caught)
          (call $i32 (call $return_from_try))
          (call $throw_i32 (i32.const 0)))
        (br $done))
      (call $i32 (i32.const 3)))
    (call $nl))

  (func $param_and_result
    (call $str (i32.const 1728))
    ;; No throw: the try_table consumes its parameter and yields its result.
    (call $i32
      (block $caught (result i32)
        (i32.const 7)
        (try_table (param i32) (result i32) (catch $e_i32 $caught)
          (i32.add (i32.const 1)))))
    ;; A throw: the result comes from the handler.
    (call $i32
      (block $caught (result i32)
        (i32.const 7)
        (try_table (param i32) (result i32) (catch $e_i32 $caught)
          (call $throw_i32 (i32.mul (i32.const 3)))
          (i32.const 0))))
    (call $nl))

  (func (export "_start")
    (call $across_calls)
    (call $payloads)
    (call $catch_all)
    (call $dispatch)
    (call $nested)
    (call $catch_ref_throw_ref)
    (call $indirect)
    (call $deep)
    (call $loop_of_throws)
    (call $locals_and_memory)
    (call $throw_in_handler)
    (call $left_try_table)
    (call $param_and_result)))
