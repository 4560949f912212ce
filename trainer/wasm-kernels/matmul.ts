/**
 * Faster matrix products for dense-layer gradients on the wasm backend.
 *
 * tfjs-backend-wasm 4.22.0 multiplies well when neither operand is transposed (its
 * `_FusedMatMul` runs through XNNPACK: `[128, 512] × [512, 784]` in ~5 ms here) but reads a
 * transposed operand with a strided loop (`[128, 512]ᵀ × [128, 784]`: ~97 ms). A dense layer's
 * gradients are exactly those transposed products (`xᵀ·dy` and `dy·Wᵀ`). These kernels transpose
 * the operand explicitly first (~2 ms), then multiply untransposed. Products with more than one
 * batch matrix keep the built-in path. test/trainer/wasm-matmul.test.ts checks them against cpu.
 */
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type Backend = tf.KernelBackend & { disposeData(dataId: object, force?: boolean): boolean };
type KernelFunc = tf.KernelConfig['kernelFunc'];
interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

/** `x` with its last two dimensions swapped, made contiguous. */
function transposeLast2(backend: Backend, transpose: KernelFunc, x: Info): Info {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose({ inputs: { x }, attrs: { perm }, backend }) as Info;
}

/** True when a matrix product has a single matrix pair (all batch dimensions are 1). */
function isSingle(a: Info, b: Info): boolean {
  return [...a.shape.slice(0, -2), ...b.shape.slice(0, -2)].every((s) => s === 1);
}

/**
 * A matrix-product kernel that materialises transposed operands, then calls `fused` (the
 * built-in `_FusedMatMul`) untransposed. `fallback` (the built-in kernel) handles batched
 * products. `isFused` says whether the arguments are already `_FusedMatMul` arguments.
 */
function untransposing(fused: KernelFunc, fallback: KernelFunc, isFused: boolean): KernelFunc {
  const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
  const reshape = tf.getKernel('Reshape', 'wasm')!.kernelFunc;
  return (args) => {
    const backend = args.backend as Backend;
    const { a, b } = args.inputs as { a: Info; b: Info };
    if (!isSingle(a, b)) return fallback(args);
    const fusedArgs = isFused ? args : toFused(args);
    const attrs = fusedArgs.attrs as unknown as MatMulAttrs;
    if (!attrs.transposeA && !attrs.transposeB && a.shape.length === 3) return fused(fusedArgs);
    // _FusedMatMul wants rank-3 operands: [1, rows, cols].
    const as3d = (x: Info, swap: boolean): Info => {
      const t = swap ? transposeLast2(backend, transpose, x) : x;
      const [rows, cols] = t.shape.slice(-2);
      const out = reshape({ inputs: { x: t }, attrs: { shape: [1, rows, cols] }, backend });
      if (t !== x) backend.disposeData(t.dataId);
      return out as Info;
    };
    const a3 = as3d(a, attrs.transposeA);
    const b3 = as3d(b, attrs.transposeB);
    const out3 = fused({
      ...fusedArgs,
      inputs: { ...fusedArgs.inputs, a: a3, b: b3 },
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }) as Info;
    const rank = Math.max(a.shape.length, b.shape.length);
    const shape = [...Array(rank - 2).fill(1), a3.shape[1], b3.shape[2]];
    const out = reshape({ inputs: { x: out3 }, attrs: { shape }, backend });
    for (const t of [a3, b3, out3]) backend.disposeData(t.dataId);
    return out;
  };
}

/** BatchMatMul arguments as `_FusedMatMul` arguments: no bias, linear activation. */
function toFused(args: Parameters<KernelFunc>[0]): Parameters<KernelFunc>[0] {
  const attrs = args.attrs as unknown as MatMulAttrs;
  return {
    ...args,
    attrs: { ...attrs, activation: attrs.activation ?? 'linear', leakyreluAlpha: 0 },
  };
}

const registered = new WeakSet<KernelFunc>();

/**
 * Registers the faster `BatchMatMul` and `_FusedMatMul` for the 'wasm' backend, wrapping the
 * built-in kernels. Idempotent.
 */
export function registerWasmMatMul(): void {
  const builtIn = (name: string) => {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel === undefined) throw new Error(`wasm backend has no kernel '${name}'`);
    return kernel;
  };
  const batch = builtIn('BatchMatMul');
  const fused = builtIn('_FusedMatMul');
  if (registered.has(batch.kernelFunc) || registered.has(fused.kernelFunc)) return;
  const wrapped: [tf.KernelConfig, KernelFunc][] = [
    [batch, untransposing(fused.kernelFunc, batch.kernelFunc, false)],
    [fused, untransposing(fused.kernelFunc, fused.kernelFunc, true)],
  ];
  for (const [config, kernelFunc] of wrapped) {
    // Keep the built-in setupFunc: it binds the wasm function the built-in kernel calls.
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, kernelFunc });
    registered.add(kernelFunc);
  }
}
