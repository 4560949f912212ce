/**
 * The demo page in a real browser: headless Debian Chromium driven by playwright-core loads `/`
 * from `wrangler dev` (a small catalog built for the test, on a free port), and the widget must
 * show exactly the API's answers: the k similar items of an item, of the item clicked next, and
 * of an uploaded colour photo. A screenshot goes to artifacts/ci/ for CI to keep.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/paths.ts';
import { freePort, startWranglerDev, type DevServer } from '../../scripts/lib/wrangler.ts';
import { buildBrowserSite } from './site.ts';

/** Chromium flags for a root user on a closed network (RUNTIME-NOTES, machine notes). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PHOTO_DIR = join(
  REPO_ROOT,
  '..',
  'shared',
  'data',
  'clothing-dataset-small',
  'test',
  'dress',
);
const SCREENSHOT_DIR = join(REPO_ROOT, 'artifacts', 'ci');
const K = 8;
const ITEM = 'fm-test-00003';

let server: DevServer;
let browser: BrowserContext;
let profile: string;
let page: Page;

async function apiIds(path: string, init?: RequestInit): Promise<string[]> {
  const response = await fetch(`${server.url}${path}`, init);
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  const body = (await response.json()) as { hits: { id: string }[] };
  return body.hits.map((h) => h.id);
}

async function gridIds(): Promise<string[]> {
  return page.$$eval('#grid > li', (cards) =>
    cards.map((c) => (c as HTMLElement).dataset.id ?? ''),
  );
}

async function brokenImages(): Promise<number> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLImageElement>('#grid img')].every((img) => img.complete),
  );
  return page.$$eval(
    '#grid img',
    (imgs) => imgs.filter((img) => (img as HTMLImageElement).naturalWidth === 0).length,
  );
}

function colourPhoto(): string {
  if (!existsSync(PHOTO_DIR)) {
    throw new Error(`${PHOTO_DIR} is missing: the test uploads a photo of ../shared/data`);
  }
  const name = readdirSync(PHOTO_DIR)
    .filter((f) => f.endsWith('.jpg'))
    .sort()[0];
  return join(PHOTO_DIR, name);
}

beforeAll(async () => {
  const config = await buildBrowserSite();
  server = await startWranglerDev({ port: await freePort(), config });
  profile = mkdtempSync(join(tmpdir(), 'demo-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 900 },
  });
  page = await browser.newPage();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('item pictures and categories', () => {
  it('serves an item picture as a long-cached PNG, 304 on its ETag', async () => {
    const url = `${server.url}/v1/items/${ITEM}/image`;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/png');
    expect(response.headers.get('Cache-Control')).toMatch(/max-age=86400, s-maxage=604800/);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(Array.from(bytes.subarray(1, 4), (b) => String.fromCharCode(b)).join('')).toBe('PNG');
    const etag = response.headers.get('ETag') as string;
    const again = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect((await fetch(`${server.url}/v1/items/nope/image`)).status).toBe(404);
  });

  it('lists the categories with their counts', async () => {
    const response = await fetch(`${server.url}/v1/categories`);
    const body = (await response.json()) as { categories: { name: string; count: number }[] };
    expect(body.categories).toHaveLength(10);
    expect(body.categories.reduce((n, c) => n + c.count, 0)).toBe(1000);
  });
});

describe('demo page', () => {
  it('shows the k similar items of an item, as the API answers them', async () => {
    await page.goto(`${server.url}/?item=${ITEM}&k=${K}`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('#item-meta')).toContain(ITEM);
    expect(await gridIds()).toEqual(await apiIds(`/v1/items/${ITEM}/similar?k=${K}`));
    expect(await brokenImages()).toBe(0);
    const main = await page.$eval('#item-image', (img) => (img as HTMLImageElement).naturalWidth);
    expect(main).toBe(28);
  });

  it('pivots to a clicked item and shows its neighbours', async () => {
    const [, second] = await gridIds();
    await page.click(`#grid > li[data-id="${second}"]`);
    await page.waitForSelector(`#drop[data-id="${second}"]`);
    await page.waitForFunction(
      (id) => !document.querySelector(`#grid > li[data-id="${id}"]`),
      second,
    );
    expect(await gridIds()).toEqual(await apiIds(`/v1/items/${second}/similar?k=${K}`));
  });

  it('shows a random item of a chosen category', async () => {
    await page.waitForSelector('#category option[value="Sneaker"]', { state: 'attached' });
    const options = await page.$$eval('#category option', (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    );
    expect(options).toContain('Sneaker');
    await page.selectOption('#category', 'Sneaker');
    await page.waitForFunction(
      () => document.querySelector('#item-category')?.textContent === 'Sneaker',
    );
    const id = (await page.getAttribute('#drop', 'data-id')) as string;
    await page.waitForFunction(
      (ids) => (document.querySelector('#grid') as HTMLElement).dataset.ids === ids,
      (await apiIds(`/v1/items/${id}/similar?k=${K}`)).join(),
    );
  });

  it('searches by an uploaded colour photo', async () => {
    const photo = colourPhoto();
    const before = (await gridIds()).join();
    await page.setInputFiles('#upload', photo);
    await page.waitForFunction(
      () => document.querySelector('#item-category')?.textContent === 'your photo',
    );
    const expected = await apiIds(`/v1/search/image?k=${K}`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/jpeg' },
      body: readFileSync(photo),
    });
    await page.waitForFunction(
      (ids) => (document.querySelector('#grid') as HTMLElement).dataset.ids === ids,
      expected.join(),
    );
    expect(await gridIds()).toEqual(expected);
    expect(expected.join()).not.toBe(before);
    expect(await brokenImages()).toBe(0);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'demo-photo.png'), fullPage: true });
  });

  it('embeds as one element that shows the API answer and pivots on a click', async () => {
    await page.goto(`${server.url}/embed.html`);
    const widget = page.locator('similar-items');
    const want = await apiIds(`/v1/items/fm-test-00042/similar?k=6`);
    await page.waitForFunction(
      (ids) => (document.querySelector('similar-items') as HTMLElement).dataset.ids === ids,
      want.join(),
    );
    await widget.locator(`li[data-id="${want[0]}"]`).click();
    const next = await apiIds(`/v1/items/${want[0]}/similar?k=6`);
    await page.waitForFunction(
      (ids) => (document.querySelector('similar-items') as HTMLElement).dataset.ids === ids,
      next.join(),
    );
    expect(await widget.getAttribute('item')).toBe(want[0]);
  });

  it('renders the item view for the screenshot', async () => {
    await page.goto(`${server.url}/?item=fm-test-00000&k=${K}`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await brokenImages()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'demo.png'), fullPage: true });
    expect(existsSync(join(SCREENSHOT_DIR, 'demo.png'))).toBe(true);
  });
});
