;; Hand-written wasm kernels of the PQ index: the ADC scan of 8-bit codes (look-up bound, no
;; SIMD needed) and the nearest-centroid assignment of k-means and encoding (f32x4 SIMD).
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
