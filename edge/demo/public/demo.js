/* global document, window, location, history, fetch, performance, URL, URLSearchParams, Option */
// The similar-items widget as a shop page would embed it. It uses only the public API:
// GET /v1/index, GET /v1/items/{id}, GET /v1/items/{id}/similar, GET /v1/items/{id}/image,
// POST /v1/search/vector (a random unit vector picks a random item) and POST /v1/search/image.
// `?catalog=NAME` shows a named catalog instead: the same routes under /v1/catalogs/NAME.

const $ = (id) => document.getElementById(id);
const els = {
  form: $('controls'),
  id: $('item-id'),
  category: $('category'),
  k: $('k'),
  random: $('random'),
  drop: $('drop'),
  image: $('item-image'),
  itemCategory: $('item-category'),
  title: $('item-title'),
  meta: $('item-meta'),
  upload: $('upload'),
  status: $('status'),
  grid: $('grid'),
  timing: $('timing'),
  version: $('version'),
};
let info;
/** Base path of the catalog shown: the default one, or `?catalog=NAME`. */
const CATALOG = new URLSearchParams(location.search).get('catalog');
const API = CATALOG ? `/v1/catalogs/${encodeURIComponent(CATALOG)}` : '/v1';
/** A random item is drawn from the neighbours of a random direction, this many. */
const RANDOM_POOL = 50;

/** Calls the API; resolves to { body, ms, timing } or throws the API's error message. */
async function api(path, init) {
  const started = performance.now();
  const response = await fetch(path, init);
  const ms = performance.now() - started;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body.error ? `${body.error.code}: ${body.error.message}` : response.statusText;
    throw new Error(message);
  }
  return { body, ms, timing: response.headers.get('Server-Timing') ?? '' };
}

function randomVector(d) {
  return Array.from({ length: d }, () => {
    const u = 1 - Math.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
  });
}

async function searchVector(k, category) {
  const query = { vector: randomVector(info.d), k };
  if (category) query.category = category;
  const { body } = await api(`${API}/search/vector`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(query),
  });
  return body.hits;
}

async function loadCategories() {
  const { body } = await api(`${API}/categories`);
  for (const { name, count } of body.categories) {
    els.category.add(new Option(`${name} (${count.toLocaleString()})`, name));
  }
}

function setStatus(text, isError = false) {
  els.status.textContent = text;
  els.status.classList.toggle('error', isError);
}

function describeTiming(ms, timing) {
  const parts = timing
    .split(',')
    .map((t) => t.trim().match(/^([\w-]+);dur=([\d.]+)/))
    .filter(Boolean)
    .map(([, name, dur]) => `${name} ${Number(dur).toFixed(1)} ms`);
  return `${ms.toFixed(0)} ms round trip${parts.length ? ` · ${parts.join(' · ')}` : ''}`;
}

function card(hit) {
  const li = document.createElement('li');
  li.className = 'card';
  li.tabIndex = 0;
  li.dataset.id = hit.id;
  li.dataset.score = String(hit.score);
  const img = document.createElement('img');
  img.src = `${API}/items/${encodeURIComponent(hit.id)}/image`;
  img.alt = hit.metadata.title ?? hit.id;
  img.loading = 'lazy';
  const meta = document.createElement('div');
  meta.className = 'meta';
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = hit.metadata.category ?? hit.id;
  const score = document.createElement('span');
  score.className = 'score';
  score.textContent = `similarity ${hit.score.toFixed(4)}`;
  score.title = 'cosine similarity of the embeddings';
  const id = document.createElement('span');
  id.className = 'id';
  id.textContent = hit.id;
  meta.append(name, score, id);
  li.append(img, meta);
  const pivot = () => showItem(hit.id);
  li.addEventListener('click', pivot);
  li.addEventListener('keydown', (e) => (e.key === 'Enter' ? pivot() : undefined));
  return li;
}

function renderHits(result, ms, timing) {
  els.grid.replaceChildren(...result.hits.map(card));
  els.grid.dataset.ids = result.hits.map((h) => h.id).join(',');
  els.timing.textContent = describeTiming(ms, timing);
  const count = info.count.toLocaleString();
  els.version.textContent = `${CATALOG ?? 'catalog'} ${result.version} · ${count} items`;
}

function k() {
  return Number(els.k.value);
}

async function showItem(id) {
  setStatus('');
  try {
    const path = `${API}/items/${encodeURIComponent(id)}`;
    const [{ body: item }, similar] = await Promise.all([
      api(path),
      api(`${path}/similar?k=${k()}`),
    ]);
    els.id.value = id;
    els.image.src = `${path}/image`;
    els.image.alt = item.metadata.title ?? id;
    els.drop.dataset.id = id;
    els.itemCategory.textContent = item.metadata.category ?? '';
    els.title.textContent = item.metadata.title ?? id;
    els.meta.textContent = `id ${id}`;
    renderHits(similar.body, similar.ms, similar.timing);
    const url = new URL(location.href);
    url.searchParams.set('item', id);
    history.replaceState(null, '', url);
    window.scrollTo({ top: 0, behavior: 'smooth' });
  } catch (err) {
    setStatus(err.message, true);
  }
}

async function showRandom() {
  try {
    const hits = await searchVector(RANDOM_POOL, els.category.value || undefined);
    const hit = hits[Math.floor(Math.random() * hits.length)];
    if (hit) await showItem(hit.id);
    else setStatus('no item in that category', true);
  } catch (err) {
    setStatus(err.message, true);
  }
}

async function searchPhoto(file) {
  if (!file) return;
  setStatus(`Searching with ${file.name}…`);
  try {
    const type = file.type || 'application/octet-stream';
    const result = await api(`${API}/search/image?k=${k()}`, {
      method: 'POST',
      headers: { 'Content-Type': type },
      body: file,
    });
    if (els.image.src.startsWith('blob:')) URL.revokeObjectURL(els.image.src);
    els.image.src = URL.createObjectURL(file);
    els.image.alt = file.name;
    delete els.drop.dataset.id;
    els.id.value = '';
    els.itemCategory.textContent = 'your photo';
    els.title.textContent = file.name;
    els.meta.textContent = `${(file.size / 1024).toFixed(0)} KiB, searched by image`;
    renderHits(result.body, result.ms, result.timing);
    setStatus('');
  } catch (err) {
    setStatus(err.message, true);
  }
}

function wire() {
  els.form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = els.id.value.trim();
    if (id) showItem(id);
    else showRandom();
  });
  els.random.addEventListener('click', showRandom);
  els.category.addEventListener('change', showRandom);
  els.k.addEventListener('change', () => els.drop.dataset.id && showItem(els.drop.dataset.id));
  els.upload.addEventListener('change', () => searchPhoto(els.upload.files[0]));
  els.drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    els.drop.classList.add('over');
  });
  els.drop.addEventListener('dragleave', () => els.drop.classList.remove('over'));
  els.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    els.drop.classList.remove('over');
    searchPhoto(e.dataTransfer.files[0]);
  });
}

async function main() {
  wire();
  try {
    ({ body: info } = await api(`${API}/index`));
  } catch (err) {
    setStatus(`The service is not ready: ${err.message}`, true);
    return;
  }
  const params = new URLSearchParams(location.search);
  if (params.get('k')) els.k.value = params.get('k');
  loadCategories().catch(() => undefined);
  const id = params.get('item');
  await (id ? showItem(id) : showRandom());
  document.body.dataset.ready = 'true';
}

main();
