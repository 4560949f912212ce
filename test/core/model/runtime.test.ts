// The workerd path of ONNX Runtime's initialisation, run under Node: the runtime's .wasm is
// handed over as a compiled WebAssembly.Module (as a Worker's wasm import), not as bytes. This
// file runs in its own process (vitest isolates test files), since ONNX Runtime's set-up is
// process-wide.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { isModelError } from '../../../core/model/errors.ts';
import { loadModel } from '../../../core/model/loader.ts';
import { initModelRuntime } from '../../../core/model/runtime.ts';
import { ortWasmPath } from '../../../trainer/export/ort-node.ts';
import { fashionMnist } from '../../trainer/export-fixtures.ts';
import { exportSmallModel } from './fixture.ts';

describe('initModelRuntime with an injected WebAssembly.Module', () => {
  it('runs models, and refuses to be set up again from bytes', async () => {
    const wasmModule = new WebAssembly.Module(readFileSync(ortWasmPath()));
    const runtime = initModelRuntime({ wasmModule });
    expect(initModelRuntime({ wasmModule })).toBe(runtime);
    const model = await exportSmallModel(runtime);
    const encoder = await loadModel(runtime, model.manifest, model.fp32, 'fp32');
    const n = 8;
    const out = await encoder.embed(fashionMnist('test', n), n);
    expect(out).toHaveLength(n * 16);
    expect(Math.hypot(...out.subarray(0, 16))).toBeCloseTo(1, 5);
    let error: unknown;
    try {
      initModelRuntime({ wasmBinary: new Uint8Array(4096) });
    } catch (e) {
      error = e;
    }
    expect(isModelError(error, 'runtime_init')).toBe(true);
  });

  it('refuses something that is not a WebAssembly.Module', () => {
    expect(() => initModelRuntime({ wasmModule: {} as WebAssembly.Module })).toThrow();
  });
});
