/**
 * The two gradients of a 2-D convolution, written as forward convolutions for the wasm backend.
 *
 * tfjs-backend-wasm 4.22.0 has no `Conv2DBackpropFilter` and a slow `Conv2DBackpropInput`;
 * its forward `Conv2D` runs through XNNPACK and is fast. Both gradients are forward convolutions
 * of rearranged tensors (NHWC, filters `[fh, fw, cIn, cOut]`):
 *
 * - filter gradient, `dW[i, j, c, o] = Σ_{n,p,q} xPad[n, p·s + i, q·s + j, c] · dy[n, p, q, o]`:
 *   convolve x transposed to `[cIn, H, W, N]` (N as channels) with dy transposed to
 *   `[OH, OW, N, cOut]` as the filter, dilated by the stride s, then transpose the
 *   `[cIn, fh, fw, cOut]` result to `[fh, fw, cIn, cOut]`;
 * - input gradient: dilate dy by the stride (zeros between rows and columns), pad it by
 *   `f - 1 - pad`, and convolve it with the filter flipped in space and transposed to
 *   `[fh, fw, cOut, cIn]`.
 *
 * The kernels call the wasm backend's own kernels (Transpose, Conv2D, PadV2, Slice, Reverse) and
 * free every intermediate. test/trainer/conv2d-grads.test.ts checks them against `cpu`.
 */
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type Backend = tf.KernelBackend & { disposeData(dataId: object, force?: boolean): boolean };
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** Attributes both gradient kernels receive from tfjs-core. */
interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** A kernel of `backend`, called directly (no tape, no engine bookkeeping). */
function call(backend: Backend, name: string, inputs: tf.NamedTensorInfoMap, attrs = {}): Info {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm backend has no kernel '${name}'`);
  return kernel.kernelFunc({ inputs, attrs, backend }) as Info;
}

function free(backend: Backend, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

function checkNhwc(kernel: string, dataFormat: string): void {
  if (dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm: dataFormat '${dataFormat}' is not supported, use NHWC`);
  }
}

/** Conv2DBackpropFilter: inputs x `[N, H, W, cIn]`, dy `[N, OH, OW, cOut]`. */
function conv2DBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: unknown;
}): Info {
  const backend = args.backend as Backend;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as ConvGradAttrs & { filterShape: [number, number, number, number] };
  checkNhwc('Conv2DBackpropFilter', attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { top, bottom, left, right } = info.padInfo;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const xT = call(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  const dyT = call(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const explicit = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  const raw = call(
    backend,
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: 1,
      pad: explicit,
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    },
  );
  free(backend, xT, dyT);
  let cropped = raw;
  if (raw.shape[1] !== fh || raw.shape[2] !== fw) {
    // 'valid' padding with (H - fh) not a multiple of the stride leaves rows no output reads.
    cropped = call(
      backend,
      'Slice',
      { x: raw },
      {
        begin: [0, 0, 0, 0],
        size: [raw.shape[0], fh, fw, raw.shape[3]],
      },
    );
    free(backend, raw);
  }
  const dW = call(backend, 'Transpose', { x: cropped }, { perm: [1, 2, 0, 3] });
  free(backend, cropped);
  return dW;
}

/** dy `[N, OH, OW, C]` with `s - 1` zeros after each row and column: `[N, OH·sh, OW·sw, C]`. */
function dilate(backend: Backend, dy: Info, sh: number, sw: number): Info {
  const [n, oh, ow, c] = dy.shape;
  let out = dy;
  let owned = false;
  if (sh > 1) {
    const rows = call(backend, 'Reshape', { x: out }, { shape: [n * oh, 1, ow * c] });
    const padded = call(
      backend,
      'PadV2',
      { x: rows },
      {
        paddings: [
          [0, 0],
          [0, sh - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    free(backend, rows);
    out = call(backend, 'Reshape', { x: padded }, { shape: [n, oh * sh, ow, c] });
    free(backend, padded);
    owned = true;
  }
  if (sw > 1) {
    const cols = call(backend, 'Reshape', { x: out }, { shape: [n * out.shape[1] * ow, 1, c] });
    if (owned) free(backend, out);
    const padded = call(
      backend,
      'PadV2',
      { x: cols },
      {
        paddings: [
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    free(backend, cols);
    out = call(backend, 'Reshape', { x: padded }, { shape: [n, oh * sh, ow * sw, c] });
    free(backend, padded);
    owned = true;
  }
  return owned ? out : call(backend, 'Reshape', { x: dy }, { shape: dy.shape });
}

/** Conv2DBackpropInput: inputs dy `[N, OH, OW, cOut]`, filter `[fh, fw, cIn, cOut]`. */
function conv2DBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: unknown;
}): Info {
  const backend = args.backend as Backend;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs as ConvGradAttrs & { inputShape: [number, number, number, number] };
  checkNhwc('Conv2DBackpropInput', attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const [, inH, inW] = attrs.inputShape;
  let dilated = dilate(backend, dy, sh, sw);
  const top = fh - 1 - info.padInfo.top;
  const left = fw - 1 - info.padInfo.left;
  const bottom = inH + fh - 1 - dilated.shape[1] - top;
  const right = inW + fw - 1 - dilated.shape[2] - left;
  if (bottom < 0 || right < 0) {
    // Rows and columns past the last one any input pixel reaches: drop them.
    const [n, h, w, c] = dilated.shape;
    const cut = call(
      backend,
      'Slice',
      { x: dilated },
      {
        begin: [0, 0, 0, 0],
        size: [n, h + Math.min(bottom, 0), w + Math.min(right, 0), c],
      },
    );
    free(backend, dilated);
    dilated = cut;
  }
  const flipped = call(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const kernel = call(backend, 'Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
  free(backend, flipped);
  const explicit = [
    [0, 0],
    [top, Math.max(bottom, 0)],
    [left, Math.max(right, 0)],
    [0, 0],
  ];
  const dx = call(
    backend,
    'Conv2D',
    { x: dilated, filter: kernel },
    {
      strides: 1,
      pad: explicit,
      dataFormat: 'NHWC',
      dilations: 1,
    },
  );
  free(backend, dilated, kernel);
  return dx;
}

/**
 * Registers both kernels for the 'wasm' backend (replacing the built-in Conv2DBackpropInput).
 * Idempotent; call before or after `tf.setBackend('wasm')`.
 */
export function registerWasmConvGradients(): void {
  for (const [kernelName, kernelFunc] of [
    ['Conv2DBackpropFilter', conv2DBackpropFilter],
    ['Conv2DBackpropInput', conv2DBackpropInput],
  ] as const) {
    const existing = tf.getKernel(kernelName, 'wasm');
    if (existing?.kernelFunc === kernelFunc) continue;
    if (existing !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
