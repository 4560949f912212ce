/**
 * Activation ranges for uint8 quantization, from the float values one tensor took over the
 * calibration images, by three methods:
 *
 * - `minmax`: the observed minimum and maximum;
 * - `percentile`: the range that clips `PERCENTILE_TAIL` of the values in each tail;
 * - `entropy`: the clipping threshold whose 255-level quantization of the value histogram is
 *   closest to the histogram in KL divergence (the TensorRT method), on |x| for signed tensors.
 *
 * Which one quantizes best depends on the model; `export.ts` measures all three and keeps the
 * most accurate.
 */
import { UINT8_STEPS } from './quantize.ts';

/** Range estimation methods, in the order they are tried. */
export const CALIBRATION_METHODS = ['minmax', 'percentile', 'entropy'] as const;
/** One range estimation method. */
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/** Fraction of values clipped in each tail by `percentile` (99.99th percentile). */
export const PERCENTILE_TAIL = 1e-4;
/** Histogram bins for `percentile` and `entropy` (TensorRT uses 2048). */
export const HISTOGRAM_BINS = 2048;

/** A calibrated range, [lo, hi]. */
export type Range = [number, number];

function minMax(values: Float32Array): Range {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return values.length ? [lo, hi] : [0, 0];
}

/** Histogram of `values` on [0, top] in `bins` equal bins (values beyond go to the last bin). */
function histogram(values: Iterable<number>, top: number, bins: number): Float64Array {
  const h = new Float64Array(bins);
  const scale = top > 0 ? bins / top : 0;
  for (const v of values) h[Math.min(bins - 1, Math.floor(v * scale))] += 1;
  return h;
}

function* abs(values: Float32Array): Generator<number> {
  for (const v of values) yield Math.abs(v);
}

function* shifted(values: Float32Array, by: number, sign: 1 | -1): Generator<number> {
  for (const v of values) yield Math.max(0, sign * (v - by));
}

/** Value below which `1 - tail` of the mass of `h` (bins of width `top / bins`) lies. */
function upperQuantile(h: Float64Array, top: number, tail: number): number {
  const total = h.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i];
    if (seen >= total * (1 - tail)) return ((i + 1) * top) / h.length;
  }
  return top;
}

function percentileRange(values: Float32Array, [lo, hi]: Range): Range {
  const width = hi - lo;
  const up = upperQuantile(
    histogram(shifted(values, lo, 1), width, HISTOGRAM_BINS),
    width,
    PERCENTILE_TAIL,
  );
  const down = upperQuantile(
    histogram(shifted(values, hi, -1), width, HISTOGRAM_BINS),
    width,
    PERCENTILE_TAIL,
  );
  return [Math.max(lo, hi - down), Math.min(hi, lo + up)];
}

function klDivergence(p: Float64Array, q: Float64Array): number {
  const sp = p.reduce((a, b) => a + b, 0);
  const sq = q.reduce((a, b) => a + b, 0);
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0) kl += q[i] > 0 ? (p[i] / sp) * Math.log(p[i] / sp / (q[i] / sq)) : Infinity;
  }
  return kl;
}

/**
 * TensorRT's entropy calibration on a histogram of non-negative values: for each candidate
 * threshold bin i ≥ `levels`, P is the first i bins with the tail folded into bin i-1, Q is P
 * merged into `levels` groups and spread back over each group's non-empty bins. Returns the
 * number of bins (the threshold is `i · binWidth`) with the least KL(P || Q).
 */
export function entropyThresholdBins(h: Float64Array, levels: number): number {
  let best = h.length;
  let bestKl = Infinity;
  const tailFrom = new Float64Array(h.length + 1);
  for (let i = h.length - 1; i >= 0; i--) tailFrom[i] = tailFrom[i + 1] + h[i];
  for (let i = levels; i <= h.length; i++) {
    const p = h.slice(0, i);
    p[i - 1] += tailFrom[i];
    const q = new Float64Array(i);
    for (let g = 0; g < levels; g++) {
      const start = Math.floor((g * i) / levels);
      const stop = Math.floor(((g + 1) * i) / levels);
      let sum = 0;
      let nonEmpty = 0;
      for (let j = start; j < stop; j++) {
        sum += h[j];
        if (h[j] > 0) nonEmpty++;
      }
      for (let j = start; j < stop; j++) if (h[j] > 0) q[j] = sum / nonEmpty;
    }
    const kl = klDivergence(p, q);
    if (kl < bestKl) [bestKl, best] = [kl, i];
  }
  return best;
}

function entropyRange(values: Float32Array, [lo, hi]: Range): Range {
  if (lo >= 0) {
    // Exact zeros (ReLU's spike) are quantized exactly whatever the threshold (zero point 0);
    // left in, their one bin dominates the divergence and drives the threshold far too low.
    const positive = values.filter((v) => v > 0);
    if (positive.length === 0) return [lo, hi];
    const t =
      (entropyThresholdBins(histogram(positive, hi, HISTOGRAM_BINS), UINT8_STEPS) * hi) /
      HISTOGRAM_BINS;
    return [lo, Math.min(hi, t)];
  }
  const top = Math.max(-lo, hi);
  const bins = entropyThresholdBins(histogram(abs(values), top, HISTOGRAM_BINS), UINT8_STEPS >> 1);
  const t = (bins * top) / HISTOGRAM_BINS;
  return [Math.max(lo, -t), Math.min(hi, t)];
}

/** The range of `values` (one tensor over all calibration images) by `method`. */
export function calibrateRange(values: Float32Array, method: CalibrationMethod): Range {
  const range = minMax(values);
  if (method === 'minmax' || !(range[1] > range[0])) return range;
  return method === 'percentile' ? percentileRange(values, range) : entropyRange(values, range);
}
