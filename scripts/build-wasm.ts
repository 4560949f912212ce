/**
 * Assembles the hand-written WAT kernels into .wasm files beside them (build output, ignored
 * by git): `npm run build:wasm`, run automatically by `prepare` (after `npm ci`), `pretest`
 * and `prebench`. Node code calls {@link loadScanModule}, which also builds when the .wasm is
 * missing or older than its source.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

/** The PQ kernels' hand-written source. */
export const SCAN_WAT_URL = new URL('../core/pq/scan.wat', import.meta.url);
/** Their assembled output, which a Worker imports as a module. */
export const SCAN_WASM_URL = new URL('../core/pq/scan.wasm', import.meta.url);

/** Assembles `watUrl` into `wasmUrl` when the output is missing or older; returns its bytes. */
export async function assembleWat(watUrl: URL, wasmUrl: URL): Promise<Uint8Array> {
  const fresh = existsSync(wasmUrl) && statSync(wasmUrl).mtimeMs >= statSync(watUrl).mtimeMs;
  if (fresh) return new Uint8Array(readFileSync(wasmUrl));
  const wabt = await wabtInit();
  const parsed = wabt.parseWat(fileURLToPath(watUrl), readFileSync(watUrl, 'utf8'), {
    simd: true,
  });
  try {
    parsed.resolveNames();
    parsed.validate();
    const { buffer } = parsed.toBinary({ log: false });
    // Written then renamed, so that a concurrent reader never sees half a file.
    const partial = new URL(`${wasmUrl.href}.${process.pid}.partial`);
    writeFileSync(partial, buffer);
    renameSync(partial, wasmUrl);
    return buffer;
  } finally {
    parsed.destroy();
  }
}

/** Compiles core/pq/scan.wasm (building it first if needed) for `createWasmKernel`. */
export async function loadScanModule(): Promise<WebAssembly.Module> {
  const bytes = await assembleWat(SCAN_WAT_URL, SCAN_WASM_URL);
  return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await assembleWat(SCAN_WAT_URL, SCAN_WASM_URL);
  console.log(`build-wasm: ${fileURLToPath(SCAN_WASM_URL)} (${bytes.length} bytes)`);
}
