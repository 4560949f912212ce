/**
 * Reads a TensorFlow.js encoder (a chain of InputLayer, Conv2D, Dense, Flatten,
 * GlobalAveragePooling2D) into an export plan: the same layers with their weights already in
 * ONNX layouts. TensorFlow.js is NHWC with HWIO conv kernels; the ONNX graph is NCHW with OIHW
 * kernels, and a Dense after Flatten gets its rows permuted from (h, w, c) to (c, h, w) order.
 */
import type * as tf from '@tensorflow/tfjs';

/** A convolution in ONNX layout. */
export interface ConvStep {
  kind: 'conv';
  name: string;
  /** Float32Array, size cOut·cIn·kh·kw, OIHW row-major */
  weight: Float32Array;
  /** Float32Array, size cOut (zeros if the layer has no bias) */
  bias: Float32Array;
  /** [cOut, cIn, kh, kw] */
  weightDims: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  /** ONNX order [top, left, bottom, right], pixels */
  pads: [number, number, number, number];
  relu: boolean;
  /** [C, H, W] of the output */
  outShape: [number, number, number];
}

/** A fully connected layer: `y = x · weight + bias`. */
export interface DenseStep {
  kind: 'dense';
  name: string;
  /** Float32Array, size k·units, row-major [k, units], rows in ONNX flatten order */
  weight: Float32Array;
  /** Float32Array, size units */
  bias: Float32Array;
  k: number;
  units: number;
  relu: boolean;
}

/** Flatten of [N, C, H, W] to [N, C·H·W] (ONNX order). */
export interface FlattenStep {
  kind: 'flatten';
  name: string;
}

/** GlobalAveragePool of [N, C, H, W] to [N, C]. */
export interface GapStep {
  kind: 'gap';
  name: string;
}

/** One step of the encoder, in ONNX terms. */
export type ExportStep = ConvStep | DenseStep | FlattenStep | GapStep;

/** The encoder as ONNX-ready steps, for an NCHW input `[N, c, h, w]`, output `[N, d]`. */
export interface ExportPlan {
  c: number;
  h: number;
  w: number;
  d: number;
  steps: ExportStep[];
}

/** Layer classes the exporter converts; anything else is refused by name. */
export const SUPPORTED_LAYERS = [
  'InputLayer',
  'Conv2D',
  'Dense',
  'Flatten',
  'GlobalAveragePooling2D',
] as const;

type Shape = { rank: 4; c: number; h: number; w: number } | { rank: 2; k: number };

function pair(v: unknown, field: string, layer: string): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x) && x > 0)) {
    throw new Error(`layer '${layer}': ${field} is ${JSON.stringify(v)}; expected 1 or 2 ints`);
  }
  return [a[0], a[1]];
}

function relu(activation: unknown, layer: string): boolean {
  if (activation === 'relu') return true;
  if (activation === 'linear' || activation === undefined || activation === null) return false;
  throw new Error(
    `layer '${layer}': activation '${String(activation)}' cannot be exported; ` +
      'the exporter supports relu and linear',
  );
}

/** TF 'same' padding along one axis: total = max((ceil(in/s) - 1)·s + (k-1)·dil + 1 - in, 0). */
function samePads(size: number, k: number, s: number, dil: number): [number, number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + (k - 1) * dil + 1 - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin, out];
}

function convStep(layer: tf.layers.Layer, shape: Shape): ConvStep {
  const cfg = layer.getConfig();
  const name = layer.name;
  if (shape.rank !== 4) throw new Error(`layer '${name}': Conv2D needs a 4-d input`);
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') {
    throw new Error(`layer '${name}': dataFormat '${cfg.dataFormat}', expected channelsLast`);
  }
  const [kh, kw] = pair(cfg.kernelSize, 'kernelSize', name);
  const strides = pair(cfg.strides ?? 1, 'strides', name);
  const dilations = pair(cfg.dilationRate ?? 1, 'dilationRate', name);
  const [kernel, maybeBias] = layer.getWeights();
  const [, , cIn, cOut] = kernel.shape;
  const hwio = kernel.dataSync() as Float32Array;
  const weight = new Float32Array(cOut * cIn * kh * kw);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cIn; i++)
        for (let o = 0; o < cOut; o++) {
          weight[((o * cIn + i) * kh + y) * kw + x] = hwio[((y * kw + x) * cIn + i) * cOut + o];
        }
  let pads: [number, number, number, number] = [0, 0, 0, 0];
  let oh: number, ow: number;
  if (cfg.padding === 'same') {
    const [t, b, outH] = samePads(shape.h, kh, strides[0], dilations[0]);
    const [l, r, outW] = samePads(shape.w, kw, strides[1], dilations[1]);
    pads = [t, l, b, r];
    [oh, ow] = [outH, outW];
  } else if (cfg.padding === 'valid') {
    oh = Math.floor((shape.h - (kh - 1) * dilations[0] - 1) / strides[0]) + 1;
    ow = Math.floor((shape.w - (kw - 1) * dilations[1] - 1) / strides[1]) + 1;
  } else {
    throw new Error(`layer '${name}': padding '${String(cfg.padding)}', expected same or valid`);
  }
  const bias = maybeBias ? (maybeBias.dataSync() as Float32Array).slice() : new Float32Array(cOut);
  const weightDims: ConvStep['weightDims'] = [cOut, cIn, kh, kw];
  const outShape: ConvStep['outShape'] = [cOut, oh, ow];
  return {
    kind: 'conv',
    name,
    weight,
    bias,
    weightDims,
    strides,
    dilations,
    pads,
    relu: relu(cfg.activation, name),
    outShape,
  };
}

/**
 * Dense kernel [k, units] to ONNX row order. After a Flatten of [h, w, c] (`flattenedFrom`),
 * ONNX row (ci·h + y)·w + x takes TensorFlow.js row (y·w + x)·c + ci.
 */
function denseStep(layer: tf.layers.Layer, k: number, flattenedFrom?: Shape): DenseStep {
  const cfg = layer.getConfig();
  const [kernel, maybeBias] = layer.getWeights();
  const units = kernel.shape[1] as number;
  const src = kernel.dataSync() as Float32Array;
  let weight = src.slice();
  if (flattenedFrom?.rank === 4) {
    const { c, h, w } = flattenedFrom;
    weight = new Float32Array(src.length);
    for (let ci = 0; ci < c; ci++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const to = ((ci * h + y) * w + x) * units;
          const from = ((y * w + x) * c + ci) * units;
          weight.set(src.subarray(from, from + units), to);
        }
  }
  const bias = maybeBias ? (maybeBias.dataSync() as Float32Array).slice() : new Float32Array(units);
  return {
    kind: 'dense',
    name: layer.name,
    weight,
    bias,
    k,
    units,
    relu: relu(cfg.activation, layer.name),
  };
}

/** Expands nested models (a Sequential used as a layer) into their layers, in order. */
function chainLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((l) =>
    'layers' in l && Array.isArray((l as tf.LayersModel).layers)
      ? chainLayers(l as tf.LayersModel)
      : [l],
  );
}

/**
 * Builds the export plan of `model`, whose single input is [null, H, W, C] (NHWC) and whose
 * layers form one chain. Throws naming the first layer that cannot be exported.
 */
export function planEncoder(model: tf.LayersModel): ExportPlan {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `the encoder has ${model.inputs.length} inputs and ${model.outputs.length} outputs; ` +
        'expected 1 and 1',
    );
  }
  const inShape = model.inputs[0].shape;
  const [, h, w, c] = inShape;
  if (inShape.length !== 4 || !h || !w || !c) {
    throw new Error(`the encoder input is [${inShape.join(', ')}]; expected [null, H, W, C]`);
  }
  let shape: Shape = { rank: 4, c, h, w };
  let flattenedFrom: Shape | undefined;
  const steps: ExportStep[] = [];
  for (const layer of chainLayers(model)) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer') continue;
    if (cls === 'Conv2D') {
      const step = convStep(layer, shape);
      steps.push(step);
      shape = { rank: 4, c: step.outShape[0], h: step.outShape[1], w: step.outShape[2] };
    } else if (cls === 'Flatten' || cls === 'GlobalAveragePooling2D') {
      if (shape.rank === 2) {
        if (cls === 'Flatten') continue;
        throw new Error(`layer '${layer.name}': GlobalAveragePooling2D needs a 4-d input`);
      }
      steps.push(
        cls === 'Flatten'
          ? { kind: 'flatten', name: layer.name }
          : { kind: 'gap', name: layer.name },
      );
      flattenedFrom = cls === 'Flatten' ? shape : undefined;
      shape = { rank: 2, k: cls === 'Flatten' ? shape.c * shape.h * shape.w : shape.c };
    } else if (cls === 'Dense') {
      if (shape.rank !== 2)
        throw new Error(`layer '${layer.name}': Dense needs a flat input; add a Flatten`);
      const step = denseStep(layer, shape.k, flattenedFrom);
      steps.push(step);
      flattenedFrom = undefined;
      shape = { rank: 2, k: step.units };
    } else {
      throw new Error(
        `layer '${layer.name}' is a ${cls}, which the ONNX exporter does not convert; ` +
          `supported layers: ${SUPPORTED_LAYERS.join(', ')}`,
      );
    }
  }
  if (shape.rank !== 2) throw new Error('the encoder output is 4-d; it must end in [N, d]');
  return { c, h, w, d: shape.k, steps };
}
