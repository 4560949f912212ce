;; Hand-written wasm kernels of the PQ index: the ADC scan of 8-bit codes (look-up bound, no
;; SIMD needed), the 4-bit fast scan (i8x16.swizzle look-ups) and the nearest-centroid
;; assignment of k-means and encoding (f32x4 SIMD).
;;
;; Memory layout of the scan, chosen by core/pq/wasm-kernel.ts:
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


  ;; adc8_m16(codes, n, out): adc8 for M = 16, unrolled: the table offsets are immediates and
  ;; no group loop remains (about 20 % faster than adc8 for the default M).
  (func (export "adc8_m16") (param $codes i32) (param $n i32) (param $out i32)
    (local $end i32) (local $p i32)
    (local $a0 f32) (local $a1 f32) (local $a2 f32) (local $a3 f32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $p (local.get $codes))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $item
        (local.set $a0 (f32.add (local.get $a0) (f32.load offset=0
          (i32.shl (i32.load8_u offset=0 (local.get $p)) (i32.const 2)))))
        (local.set $a1 (f32.add (local.get $a1) (f32.load offset=1024
          (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 2)))))
        (local.set $a2 (f32.add (local.get $a2) (f32.load offset=2048
          (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 2)))))
        (local.set $a3 (f32.add (local.get $a3) (f32.load offset=3072
          (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 2)))))
        (local.set $a0 (f32.add (local.get $a0) (f32.load offset=4096
          (i32.shl (i32.load8_u offset=4 (local.get $p)) (i32.const 2)))))
        (local.set $a1 (f32.add (local.get $a1) (f32.load offset=5120
          (i32.shl (i32.load8_u offset=5 (local.get $p)) (i32.const 2)))))
        (local.set $a2 (f32.add (local.get $a2) (f32.load offset=6144
          (i32.shl (i32.load8_u offset=6 (local.get $p)) (i32.const 2)))))
        (local.set $a3 (f32.add (local.get $a3) (f32.load offset=7168
          (i32.shl (i32.load8_u offset=7 (local.get $p)) (i32.const 2)))))
        (local.set $a0 (f32.add (local.get $a0) (f32.load offset=8192
          (i32.shl (i32.load8_u offset=8 (local.get $p)) (i32.const 2)))))
        (local.set $a1 (f32.add (local.get $a1) (f32.load offset=9216
          (i32.shl (i32.load8_u offset=9 (local.get $p)) (i32.const 2)))))
        (local.set $a2 (f32.add (local.get $a2) (f32.load offset=10240
          (i32.shl (i32.load8_u offset=10 (local.get $p)) (i32.const 2)))))
        (local.set $a3 (f32.add (local.get $a3) (f32.load offset=11264
          (i32.shl (i32.load8_u offset=11 (local.get $p)) (i32.const 2)))))
        (local.set $a0 (f32.add (local.get $a0) (f32.load offset=12288
          (i32.shl (i32.load8_u offset=12 (local.get $p)) (i32.const 2)))))
        (local.set $a1 (f32.add (local.get $a1) (f32.load offset=13312
          (i32.shl (i32.load8_u offset=13 (local.get $p)) (i32.const 2)))))
        (local.set $a2 (f32.add (local.get $a2) (f32.load offset=14336
          (i32.shl (i32.load8_u offset=14 (local.get $p)) (i32.const 2)))))
        (local.set $a3 (f32.add (local.get $a3) (f32.load offset=15360
          (i32.shl (i32.load8_u offset=15 (local.get $p)) (i32.const 2)))))
        (f32.store (local.get $out)
          (f32.add (f32.add (local.get $a0) (local.get $a1))
            (f32.add (local.get $a2) (local.get $a3))))
        (local.set $a0 (f32.const 0))
        (local.set $a1 (f32.const 0))
        (local.set $a2 (f32.const 0))
        (local.set $a3 (f32.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $item (i32.lt_u (local.get $out) (local.get $end))))))

  ;; fs4(codes, nblocks, pairs, luts, out, base, inv): 4-bit fast scan. codes holds blocks of 16
  ;; items; a block holds, for each pair p of subquantizers, 16 bytes: byte j = code of item j
  ;; for subquantizer 2p (low nibble) and 2p + 1 (high nibble). luts holds 2·pairs quantized
  ;; distance tables of 16 u8. out receives 16 f32 per block: base + inv · (sum of M look-ups).
  ;; i8x16.swizzle does 16 look-ups at once; sums stay in u16 lanes (M·255 < 65536 for M ≤ 256).
  (func (export "fs4") (param $codes i32) (param $nblocks i32) (param $pairs i32)
    (param $luts i32) (param $out i32) (param $base f32) (param $inv f32)
    (local $l i32) (local $lend i32) (local $v v128) (local $r0 v128) (local $r1 v128)
    (local $acc0 v128) (local $acc1 v128) (local $basev v128) (local $invv v128)
    (local $nibble v128)
    (local.set $nibble (i8x16.splat (i32.const 15)))
    (local.set $basev (f32x4.splat (local.get $base)))
    (local.set $invv (f32x4.splat (local.get $inv)))
    (local.set $lend (i32.add (local.get $luts) (i32.shl (local.get $pairs) (i32.const 5))))
    (block $done
      (br_if $done (i32.eqz (local.get $nblocks)))
      (loop $blocks
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (local.set $l (local.get $luts))
        (loop $pair
          (local.set $v (v128.load (local.get $codes)))
          (local.set $r0 (i8x16.swizzle (v128.load (local.get $l))
            (v128.and (local.get $v) (local.get $nibble))))
          (local.set $r1 (i8x16.swizzle (v128.load offset=16 (local.get $l))
            (i8x16.shr_u (local.get $v) (i32.const 4))))
          (local.set $acc0 (i16x8.add (local.get $acc0)
            (i16x8.add (i16x8.extend_low_i8x16_u (local.get $r0))
              (i16x8.extend_low_i8x16_u (local.get $r1)))))
          (local.set $acc1 (i16x8.add (local.get $acc1)
            (i16x8.add (i16x8.extend_high_i8x16_u (local.get $r0))
              (i16x8.extend_high_i8x16_u (local.get $r1)))))
          (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
          (local.set $l (i32.add (local.get $l) (i32.const 32)))
          (br_if $pair (i32.lt_u (local.get $l) (local.get $lend))))
        (v128.store offset=0 (local.get $out) (f32x4.add (local.get $basev) (f32x4.mul
          (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $acc0))) (local.get $invv))))
        (v128.store offset=16 (local.get $out) (f32x4.add (local.get $basev) (f32x4.mul
          (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $acc0))) (local.get $invv))))
        (v128.store offset=32 (local.get $out) (f32x4.add (local.get $basev) (f32x4.mul
          (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $acc1))) (local.get $invv))))
        (v128.store offset=48 (local.get $out) (f32x4.add (local.get $basev) (f32x4.mul
          (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $acc1))) (local.get $invv))))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (local.set $nblocks (i32.sub (local.get $nblocks) (i32.const 1)))
        (br_if $blocks (local.get $nblocks)))))

  ;; nearest(ct, k, dim, data, n, assign, dist): for each of the n rows of data (f32, dim a
  ;; row), the index of the nearest of k centroids (i32 into assign) and the squared distance
  ;; (f32 into dist). ct holds the centroids transposed, f32 [dim][k]; k is a multiple of 4.
  ;; Four centroids at a time in one f32x4; ties go to the lowest index, as in kmeans.ts.
  (func (export "nearest") (param $ct i32) (param $k i32) (param $dim i32) (param $data i32)
    (param $n i32) (param $assign i32) (param $dist i32)
    (local $i i32) (local $x i32) (local $xend i32) (local $j i32) (local $c i32)
    (local $row i32) (local $acc v128) (local $best v128) (local $bidx v128) (local $jv v128)
    (local $diff v128) (local $mask v128) (local $bv f32) (local $bi i32) (local $lv f32)
    (local $li i32)
    (local.set $row (i32.shl (local.get $k) (i32.const 2)))
    (local.set $x (local.get $data))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $points
        (local.set $xend (i32.add (local.get $x) (i32.shl (local.get $dim) (i32.const 2))))
        (local.set $best (f32x4.splat (f32.const inf)))
        (local.set $bidx (v128.const i32x4 0 1 2 3))
        (local.set $jv (v128.const i32x4 0 1 2 3))
        (local.set $j (i32.const 0))
        (loop $centroids
          (local.set $acc (v128.const f32x4 0 0 0 0))
          (local.set $c (i32.add (local.get $ct) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $i (local.get $x))
          (loop $dims
            (local.set $diff (f32x4.sub (f32x4.splat (f32.load (local.get $i)))
              (v128.load (local.get $c))))
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.mul (local.get $diff) (local.get $diff))))
            (local.set $c (i32.add (local.get $c) (local.get $row)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br_if $dims (i32.lt_u (local.get $i) (local.get $xend))))
          (local.set $mask (f32x4.lt (local.get $acc) (local.get $best)))
          (local.set $best (v128.bitselect (local.get $acc) (local.get $best) (local.get $mask)))
          (local.set $bidx (v128.bitselect (local.get $jv) (local.get $bidx) (local.get $mask)))
          (local.set $jv (i32x4.add (local.get $jv) (v128.const i32x4 4 4 4 4)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br_if $centroids (i32.lt_u (local.get $j) (local.get $k))))
        (local.set $bv (f32x4.extract_lane 0 (local.get $best)))
        (local.set $bi (i32x4.extract_lane 0 (local.get $bidx)))
        (local.set $lv (f32x4.extract_lane 1 (local.get $best)))
        (local.set $li (i32x4.extract_lane 1 (local.get $bidx)))
        (if (i32.or (f32.lt (local.get $lv) (local.get $bv))
              (i32.and (f32.eq (local.get $lv) (local.get $bv))
                (i32.lt_u (local.get $li) (local.get $bi))))
          (then (local.set $bv (local.get $lv)) (local.set $bi (local.get $li))))
        (local.set $lv (f32x4.extract_lane 2 (local.get $best)))
        (local.set $li (i32x4.extract_lane 2 (local.get $bidx)))
        (if (i32.or (f32.lt (local.get $lv) (local.get $bv))
              (i32.and (f32.eq (local.get $lv) (local.get $bv))
                (i32.lt_u (local.get $li) (local.get $bi))))
          (then (local.set $bv (local.get $lv)) (local.set $bi (local.get $li))))
        (local.set $lv (f32x4.extract_lane 3 (local.get $best)))
        (local.set $li (i32x4.extract_lane 3 (local.get $bidx)))
        (if (i32.or (f32.lt (local.get $lv) (local.get $bv))
              (i32.and (f32.eq (local.get $lv) (local.get $bv))
                (i32.lt_u (local.get $li) (local.get $bi))))
          (then (local.set $bv (local.get $lv)) (local.set $bi (local.get $li))))
        (i32.store (local.get $assign) (local.get $bi))
        (f32.store (local.get $dist) (local.get $bv))
        (local.set $assign (i32.add (local.get $assign) (i32.const 4)))
        (local.set $dist (i32.add (local.get $dist) (i32.const 4)))
        (local.set $x (local.get $xend))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $points (local.get $n)))))
)
