/**
 * The arithmetic of static int8 quantization (ONNX QuantizeLinear / DequantizeLinear):
 * `q = saturate(round(x / scale) + zeroPoint)`, `x ≈ (q - zeroPoint) · scale`, rounding half to
 * even as ONNX specifies.
 *
 * - weights: int8, symmetric (zero point 0), one scale per output channel, `q ∈ [-127, 127]`;
 * - biases: int32 with scale `inputScale · weightScale[channel]` and zero point 0, so that
 *   integer kernels add them to their int32 accumulators unchanged;
 * - activations: uint8, asymmetric, one scale and zero point per tensor, from a calibrated range.
 */

/** Largest int8 weight magnitude; -128 is left unused so that the range is symmetric. */
export const INT8_WEIGHT_MAX = 127;
/** Number of steps of a uint8 activation range. */
export const UINT8_STEPS = 255;

/** Rounds half to even (the rounding of ONNX QuantizeLinear). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Per-channel int8 weights: `q` has the layout of the float weights; `scales` one per channel. */
export interface QuantizedWeights {
  q: Int8Array;
  scales: Float32Array;
}

/**
 * Quantizes `w` (row-major, shape `dims`) to int8, symmetric, one scale per index of axis
 * `axis`: `scale[c] = max |w[c]| / 127` (1 for an all-zero channel).
 */
export function quantizeWeights(w: Float32Array, dims: number[], axis: number): QuantizedWeights {
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float32Array(channels);
  w.forEach((v, i) => {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c], Math.abs(v));
  });
  const scales = maxAbs.map((m) => (m > 0 ? m / INT8_WEIGHT_MAX : 1));
  const q = new Int8Array(w.length);
  w.forEach((v, i) => {
    const r = roundHalfEven(v / scales[channelOf(i)]);
    q[i] = Math.max(-INT8_WEIGHT_MAX, Math.min(INT8_WEIGHT_MAX, r));
  });
  return { q, scales };
}

/** int32 biases: `q[c] = round(b[c] / (inputScale · weightScales[c]))`, with their scales. */
export function quantizeBias(
  b: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
): { q: Int32Array; scales: Float32Array } {
  const scales = weightScales.map((s) => s * inputScale);
  const limit = 2 ** 31 - 1;
  const q = Int32Array.from(b, (v, c) =>
    Math.max(-limit, Math.min(limit, roundHalfEven(v / scales[c]))),
  );
  return { q, scales };
}

/** uint8 quantization of one activation tensor. */
export interface ActivationQuant {
  scale: number;
  /** in [0, 255] */
  zeroPoint: number;
}

/**
 * uint8 parameters for the range [lo, hi], widened to contain 0 so that zero (padding, ReLU) is
 * exact: `scale = (hi - lo) / 255`, `zeroPoint = round(-lo / scale)`.
 */
export function activationQuant(lo: number, hi: number): ActivationQuant {
  const low = Math.min(lo, 0);
  const high = Math.max(hi, 0);
  if (!(high > low)) return { scale: 1, zeroPoint: 0 };
  const scale = (high - low) / UINT8_STEPS;
  const zeroPoint = Math.max(0, Math.min(UINT8_STEPS, roundHalfEven(-low / scale)));
  return { scale: Math.fround(scale), zeroPoint };
}

/** `x` through QuantizeLinear and DequantizeLinear with `p` (float64 arithmetic). */
export function fakeQuant(x: number, p: ActivationQuant): number {
  const q = Math.max(0, Math.min(UINT8_STEPS, roundHalfEven(x / p.scale) + p.zeroPoint));
  return (q - p.zeroPoint) * p.scale;
}
