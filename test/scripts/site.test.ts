import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  PLAN_LIMIT_BYTES,
  planFor,
  previousVersion,
  type DeploymentRecord,
} from '../../scripts/lib/deploy.ts';
import { REPO_ROOT } from '../../scripts/lib/paths.ts';
import { pruneVersions, staleReason, writeStamp } from '../../scripts/lib/site.ts';
import { freePort, portIsFree } from '../../scripts/lib/wrangler.ts';

const DIR = join(REPO_ROOT, 'artifacts', 'test', 'site-stamp', 'catalog');
const want = { modelSha256: 'a'.repeat(64), dataSha256: ['b', 'c'], builder: 'x' };

describe('the catalog stamp of npm start', () => {
  beforeEach(() => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(join(DIR, 'v1'), { recursive: true });
    writeFileSync(join(DIR, 'v1', 'catalog.json'), '{}');
  });

  it('asks for a build when nothing was built', () => {
    expect(staleReason(DIR, want)).toBe('no catalog built yet');
  });

  it('is current when model, data and builder match and the files are there', () => {
    writeStamp(DIR, { ...want, version: 'v1' });
    expect(staleReason(DIR, want)).toBeUndefined();
  });

  it.each([
    [{ modelSha256: 'f'.repeat(64) }, 'the encoder changed'],
    [{ dataSha256: ['b', 'd'] }, 'the data changed'],
    [{ builder: 'y' }, 'the catalog builder changed'],
  ])('is stale when %j', (change, reason) => {
    writeStamp(DIR, { ...want, version: 'v1' });
    expect(staleReason(DIR, { ...want, ...change })).toBe(reason);
  });

  it('is stale when the version folder is gone', () => {
    writeStamp(DIR, { ...want, version: 'v0' });
    expect(staleReason(DIR, want)).toBe('its files are missing');
  });

  it('prunes every version but the kept one', () => {
    mkdirSync(join(DIR, 'v0'));
    expect(pruneVersions(DIR, ['v1'])).toEqual(['v0']);
  });
});

describe('wrangler helpers', () => {
  it('tells a port in use from a free one', async () => {
    const port = await freePort();
    expect(await portIsFree(port)).toBe(true);
    const server = createServer().listen(port, '127.0.0.1');
    await new Promise((done) => server.once('listening', done));
    expect(await portIsFree(port)).toBe(false);
    await new Promise((done) => server.close(done));
  });
});

describe('deploy helpers', () => {
  it('picks the smallest plan whose compressed limit the bundle fits', () => {
    expect(planFor(PLAN_LIMIT_BYTES.free)).toBe('free');
    expect(planFor(PLAN_LIMIT_BYTES.free + 1)).toBe('paid');
    expect(planFor(PLAN_LIMIT_BYTES.paid + 1)).toBeUndefined();
  });

  it('rolls back past repeated deploys of the current version', () => {
    const entry = (version: string): DeploymentRecord => ({
      version,
      deployedAt: '',
      modelSha256: '',
      items: 1,
      catalog: 'c',
    });
    const record = ['v1', 'v2', 'v3', 'v3'].map(entry);
    expect(previousVersion(record).version).toBe('v2');
    expect(() => previousVersion([entry('v1')])).toThrow(/needs two versions/);
  });
});
