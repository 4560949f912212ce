/**
 * Vitest global setup of the edge projects, on the Node side: assembles the wasm ADC scan
 * kernel the Worker imports (core/pq/scan.wasm) and builds the fixtures.
 */
import { loadScanModule } from '../../scripts/build-wasm.ts';
import { buildFixtures } from './fixtures/build.ts';

/** Runs once before the edge test files. */
export default async function setup(): Promise<void> {
  await loadScanModule();
  await buildFixtures();
}
