/**
 * `npm run bench -- <suite> [options]`: runs one benchmark suite and writes its figures, with
 * the command that produced them, into its own section of BENCHMARKS.md.
 *
 * Each suite is a module `scripts/bench/<suite>.ts` that exports `run(argv: string[])`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const suites = readdirSync(join(here, 'bench'))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const [suite, ...rest] = process.argv.slice(2);
if (!suite || suite === '--help' || suite === '-h') {
  console.log(`usage: npm run bench -- <suite> [options]\nsuites: ${suites.join(', ')}`);
  process.exit(suite ? 0 : 1);
}
if (!suites.includes(suite)) {
  console.error(`bench: unknown suite '${suite}'; the suites are: ${suites.join(', ')}`);
  process.exit(2);
}
const mod = (await import(`./bench/${suite}.ts`)) as { run(argv: string[]): Promise<void> };
await mod.run(rest);
