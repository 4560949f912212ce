;; ADC scan of 8-bit PQ codes, hand-written for wasm (no SIMD needed: it is look-up bound).
;;
;; Memory layout, chosen by core/pq/wasm-kernel.ts:
;;   [0, M*1024)            the distance table, f32, row-major (m, 256 centroids)
;;   [codes, codes + n*M)   n codes of M bytes (nbits = 8)
;;   [out, out + 4*n)       the n distances written, f32
;;
;; The table starts at address 0 so that a look-up is one load with an immediate offset per
;; subquantizer of a group of 4; four accumulators keep the adds independent.
(module
  (memory (export "memory") 1)

  ;; adc8(codes, n, M, out): out[i] = sum over m of table[m*256 + codes[i*M + m]].
  ;; M must be a positive multiple of 4.
  (func (export "adc8") (param $codes i32) (param $n i32) (param $M i32) (param $out i32)
    (local $end i32) (local $p i32) (local $t i32) (local $stop i32)
    (local $a0 f32) (local $a1 f32) (local $a2 f32) (local $a3 f32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $p (local.get $codes))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $item
        (local.set $a0 (f32.const 0))
        (local.set $a1 (f32.const 0))
        (local.set $a2 (f32.const 0))
        (local.set $a3 (f32.const 0))
        (local.set $t (i32.const 0))
        (local.set $stop (i32.add (local.get $p) (local.get $M)))
        (loop $group
          (local.set $a0 (f32.add (local.get $a0) (f32.load offset=0
            (i32.add (local.get $t) (i32.shl (i32.load8_u offset=0 (local.get $p))
              (i32.const 2))))))
          (local.set $a1 (f32.add (local.get $a1) (f32.load offset=1024
            (i32.add (local.get $t) (i32.shl (i32.load8_u offset=1 (local.get $p))
              (i32.const 2))))))
          (local.set $a2 (f32.add (local.get $a2) (f32.load offset=2048
            (i32.add (local.get $t) (i32.shl (i32.load8_u offset=2 (local.get $p))
              (i32.const 2))))))
          (local.set $a3 (f32.add (local.get $a3) (f32.load offset=3072
            (i32.add (local.get $t) (i32.shl (i32.load8_u offset=3 (local.get $p))
              (i32.const 2))))))
          (local.set $t (i32.add (local.get $t) (i32.const 4096)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br_if $group (i32.lt_u (local.get $p) (local.get $stop))))
        (f32.store (local.get $out)
          (f32.add (f32.add (local.get $a0) (local.get $a1))
            (f32.add (local.get $a2) (local.get $a3))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $item (i32.lt_u (local.get $out) (local.get $end))))))
)
