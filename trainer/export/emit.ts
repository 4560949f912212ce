/**
 * Writes an export plan as an ONNX graph: input `image` float32 [N, C, H, W], output
 * `embedding` float32 [N, d], L2-normalised inside the graph as `x / sqrt(max(Σx², ε))`.
 *
 * - fp32: Conv / Gemm / GlobalAveragePool / Flatten / Relu on float tensors.
 * - int8 (QDQ): the same operators, with DequantizeLinear in front of every weight (int8,
 *   per-channel), bias (int32) and activation (uint8, per-tensor), and QuantizeLinear after the
 *   graph input and after each Conv, GlobalAveragePool and hidden Gemm. Flatten runs on the
 *   uint8 tensor. The last Gemm's output and the normalisation stay float. ONNX Runtime fuses
 *   these patterns into integer kernels (QLinearConv, QGemm, ...).
 *
 * `emitCalibrationGraph` adds each tensor the int8 graph quantizes as an output, for calibration.
 */
import { GraphBuilder } from './graph.ts';
import type { ExportPlan, ExportStep } from './plan.ts';
import { quantizeBias, quantizeWeights, type ActivationQuant } from './quantize.ts';

/** ONNX opset of the exported graphs (13: per-channel DequantizeLinear with `axis`). */
export const EXPORT_OPSET = 13;
/** Name of the graph input. */
export const INPUT_NAME = 'image';
/** Name of the graph output. */
export const OUTPUT_NAME = 'embedding';
/** ε of the L2 normalisation, on the squared norm (as tf.math.l2_normalize: 1e-12). */
export const L2_EPSILON = 1e-12;

/** Activation quantization of the int8 graph: the input, then one per quantization point. */
export interface QuantParams {
  input: ActivationQuant;
  /** keyed by step name (see `quantPoints`) */
  points: Record<string, ActivationQuant>;
}

/**
 * Names of the steps whose output the int8 graph quantizes to uint8: every Conv and
 * GlobalAveragePool, and every Dense but the last.
 */
export function quantPoints(plan: ExportPlan): string[] {
  const lastDense = plan.steps.findLastIndex((s) => s.kind === 'dense');
  return plan.steps
    .filter(
      (s, i) => s.kind === 'conv' || s.kind === 'gap' || (s.kind === 'dense' && i !== lastDense),
    )
    .map((s) => s.name);
}

/** A value flowing through the graph: a float tensor, or a uint8 tensor with its parameters. */
type Value = { name: string; quant?: { scale: string; zeroPoint: string; scaleValue: number } };

class Emitter {
  readonly g = new GraphBuilder('encoder');
  private serial = 0;

  constructor(private readonly quant?: QuantParams) {}

  fresh(stem: string): string {
    return `${stem}_${this.serial++}`;
  }

  /** The float tensor of `v`, adding a DequantizeLinear if `v` is quantized. */
  float(v: Value): string {
    if (!v.quant) return v.name;
    const out = this.fresh(`${v.name}_dq`);
    return this.g.node('DequantizeLinear', [v.name, v.quant.scale, v.quant.zeroPoint], [out]);
  }

  /** `x` through QuantizeLinear with `p` (a no-op in the fp32 graph). */
  quantize(x: string, p: ActivationQuant | undefined): Value {
    if (!this.quant || !p) return { name: x };
    const scale = this.g.initializer(
      this.fresh(`${x}_scale`),
      'float32',
      [],
      Float32Array.of(p.scale),
    );
    const zeroPoint = this.g.initializer(
      this.fresh(`${x}_zp`),
      'uint8',
      [],
      Uint8Array.of(p.zeroPoint),
    );
    const out = this.g.node('QuantizeLinear', [x, scale, zeroPoint], [this.fresh(`${x}_q`)]);
    return { name: out, quant: { scale, zeroPoint, scaleValue: p.scale } };
  }

  /** Weight and bias inputs of a Conv (channel axis 0) or Gemm (channel axis 1). */
  params(
    name: string,
    w: Float32Array,
    dims: number[],
    axis: number,
    bias: Float32Array,
    x: Value,
  ) {
    if (!this.quant || !x.quant) {
      return [
        this.g.initializer(`${name}_weight`, 'float32', dims, w),
        this.g.initializer(`${name}_bias`, 'float32', [bias.length], bias),
      ];
    }
    const qw = quantizeWeights(w, dims, axis);
    const qb = quantizeBias(bias, x.quant.scaleValue, qw.scales);
    const n = bias.length;
    const wq = this.g.initializer(`${name}_weight_q`, 'int8', dims, qw.q);
    const ws = this.g.initializer(`${name}_weight_scale`, 'float32', [n], qw.scales);
    const wz = this.g.initializer(`${name}_weight_zp`, 'int8', [n], new Int8Array(n));
    const bq = this.g.initializer(`${name}_bias_q`, 'int32', [n], qb.q);
    const bs = this.g.initializer(`${name}_bias_scale`, 'float32', [n], qb.scales);
    const bz = this.g.initializer(`${name}_bias_zp`, 'int32', [n], new Int32Array(n));
    return [
      this.g.node('DequantizeLinear', [wq, ws, wz], [`${name}_weight`], { axis: { i: axis } }),
      this.g.node('DequantizeLinear', [bq, bs, bz], [`${name}_bias`], { axis: { i: 0 } }),
    ];
  }

  step(step: ExportStep, x: Value, last: boolean, taps: string[]): Value {
    const p = this.quant?.points[step.name];
    if (step.kind === 'flatten') {
      const out = this.g.node('Flatten', [x.name], [this.fresh(step.name)], { axis: { i: 1 } });
      return { name: out, quant: x.quant };
    }
    let y: string;
    if (step.kind === 'gap') {
      const pooled = this.g.node('GlobalAveragePool', [this.float(x)], [`${step.name}_out`]);
      taps.push(pooled);
      const q = this.quantize(pooled, p);
      const out = this.g.node('Flatten', [q.name], [this.fresh(step.name)], { axis: { i: 1 } });
      return { name: out, quant: q.quant };
    }
    if (step.kind === 'conv') {
      const [w, b] = this.params(step.name, step.weight, step.weightDims, 0, step.bias, x);
      y = this.g.node('Conv', [this.float(x), w, b], [`${step.name}_conv`], {
        kernel_shape: { ints: step.weightDims.slice(2) },
        strides: { ints: step.strides },
        dilations: { ints: step.dilations },
        pads: { ints: step.pads },
      });
    } else {
      const [w, b] = this.params(step.name, step.weight, [step.k, step.units], 1, step.bias, x);
      y = this.g.node('Gemm', [this.float(x), w, b], [`${step.name}_gemm`]);
    }
    if (step.relu) y = this.g.node('Relu', [y], [`${step.name}_relu`]);
    if (last) return { name: y };
    taps.push(y);
    return this.quantize(y, p);
  }

  l2Normalize(x: string): void {
    const g = this.g;
    const eps = g.initializer('l2_epsilon', 'float32', [], Float32Array.of(L2_EPSILON));
    const ss = g.node('ReduceSumSquare', [x], ['l2_sumsq'], {
      axes: { ints: [1] },
      keepdims: { i: 1 },
    });
    const clamped = g.node('Max', [ss, eps], ['l2_sumsq_clamped']);
    const norm = g.node('Sqrt', [clamped], ['l2_norm']);
    g.node('Div', [x, norm], [OUTPUT_NAME]);
  }
}

function build(plan: ExportPlan, quant?: QuantParams): { emitter: Emitter; taps: string[] } {
  const e = new Emitter(quant);
  e.g.input(INPUT_NAME, 'float32', ['N', plan.c, plan.h, plan.w]);
  let x = e.quantize(INPUT_NAME, quant?.input);
  const taps: string[] = [];
  const lastDense = plan.steps.findLastIndex((s) => s.kind === 'dense');
  plan.steps.forEach((step, i) => {
    x = e.step(step, x, i === lastDense, taps);
  });
  e.l2Normalize(e.float(x));
  e.g.output(OUTPUT_NAME, 'float32', ['N', plan.d]);
  return { emitter: e, taps };
}

/** Serialises `plan` as an `.onnx` file: fp32 when `quant` is absent, QDQ int8 otherwise. */
export function emitOnnx(plan: ExportPlan, quant?: QuantParams): Uint8Array {
  const { emitter } = build(plan, quant);
  const kind = quant ? 'int8 QDQ' : 'fp32';
  return emitter.g.toBytes(EXPORT_OPSET, `fashion-similarity encoder, ${kind}`);
}

/**
 * The fp32 graph with each quantization point's float tensor as an extra output, for
 * calibration. `taps`: the names of those outputs, in the order of `quantPoints(plan)`.
 */
export function emitCalibrationGraph(plan: ExportPlan): { bytes: Uint8Array; taps: string[] } {
  const { emitter, taps } = build(plan);
  taps.forEach((t) => emitter.g.output(t, 'float32'));
  return {
    bytes: emitter.g.toBytes(EXPORT_OPSET, 'fashion-similarity encoder, calibration'),
    taps,
  };
}
