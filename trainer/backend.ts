/**
 * Picks the TensorFlow.js backend the trainer runs on: `@tensorflow/tfjs-node-gpu` when it is
 * installed and an NVIDIA GPU is present, else `@tensorflow/tfjs-node`, else the wasm backend
 * (with the convolution gradients of `wasm-kernels/conv2d-grads.ts`). The two native packages are
 * optional dependencies: they cannot install on machines without access to their download host,
 * and the code runs without them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmConvGradients } from './wasm-kernels/conv2d-grads.ts';
import { registerWasmMatMul } from './wasm-kernels/matmul.ts';

/** What the caller may ask for: the best available, or one backend by name. */
export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
/** The backends this module can start. */
export const BACKEND_CHOICES: readonly BackendChoice[] = [
  'auto',
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  'cpu',
];

/** The backend that runs, as recorded in the training manifest. */
export interface BackendInfo {
  /** 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'. */
  name: Exclude<BackendChoice, 'auto'>;
  /** The npm package that provides it, with its version. */
  package: string;
}

const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

const require = createRequire(import.meta.url);

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** True when an NVIDIA driver is loaded (the device node or the driver's proc entry exists). */
export function hasNvidiaGpu(): boolean {
  return existsSync('/dev/nvidia0') || existsSync('/proc/driver/nvidia/version');
}

async function startNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<BackendInfo> {
  const pkg = NATIVE_PACKAGES[name];
  // A computed specifier: the package is optional, and absent from type checking.
  const specifier: string = pkg;
  await import(specifier);
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} failed to initialise`);
  return { name, package: `${pkg}@${tf.version_core}` };
}

async function startJs(name: 'wasm' | 'cpu'): Promise<BackendInfo> {
  if (name === 'wasm') {
    registerWasmConvGradients();
    registerWasmMatMul();
  }
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend failed to initialise`);
  const pkg = name === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu';
  return { name, package: `${pkg}@${tf.version_core}` };
}

/**
 * Starts the backend `choice` ('auto': tensorflow-gpu if installed with a GPU present, else
 * tensorflow if installed, else wasm) and returns which one runs; enables tfjs production
 * mode. An explicit native choice whose package is missing is an error that says how to
 * install it.
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  // Production mode: no per-op debug checks, and no advice to install tfjs-node on each start.
  tf.enableProdMode();
  if (choice === 'tensorflow-gpu' || choice === 'tensorflow') {
    if (!isInstalled(NATIVE_PACKAGES[choice])) {
      throw new Error(
        `--backend ${choice}: ${NATIVE_PACKAGES[choice]} is not installed ` +
          `(npm install ${NATIVE_PACKAGES[choice]}@4.22.0 on a machine that can download it)`,
      );
    }
    return startNative(choice);
  }
  if (choice === 'wasm' || choice === 'cpu') return startJs(choice);
  if (isInstalled(NATIVE_PACKAGES['tensorflow-gpu']) && hasNvidiaGpu()) {
    return startNative('tensorflow-gpu');
  }
  if (isInstalled(NATIVE_PACKAGES.tensorflow)) return startNative('tensorflow');
  return startJs('wasm');
}
