/* global HTMLElement, customElements, CustomEvent, document, fetch, URL */
// <similar-items item="fm-test-00042" k="6" api="https://similar.example.com"></similar-items>
// (with catalog="clothing", the items of that named catalog: /v1/catalogs/clothing/…)
// A drop-in "you may also like" strip for a shop's product page: it asks the service's public
// API for the k items most similar to `item` and shows them with their pictures and scores.
// Clicking one fires a `similar-items:select` event (detail: the hit); call
// `event.preventDefault()` to handle it yourself, otherwise the strip pivots to that item.

const STYLE = `
  :host { display: block; font: 14px system-ui, sans-serif; color: #1d1d1f; }
  ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 12px;
       grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); }
  li { border: 1px solid #e5e5ea; border-radius: 10px; overflow: hidden; cursor: pointer;
       background: #fff; }
  li:hover { box-shadow: 0 4px 12px rgb(0 0 0 / 10%); }
  img { display: block; width: 100%; aspect-ratio: 1; object-fit: contain; }
  span { display: block; padding: 6px 8px; font-size: 12px; }
  .score { color: #1b873f; padding-top: 0; }
  .error { color: #c62828; }
`;

class SimilarItems extends HTMLElement {
  static observedAttributes = ['item', 'k', 'category', 'api', 'catalog'];

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).innerHTML = `<style>${STYLE}</style><ol></ol>`;
  }

  attributeChangedCallback() {
    if (this.isConnected) this.load();
  }

  connectedCallback() {
    this.load();
  }

  /** The service's base URL: the `api` attribute, or this page's origin. */
  base() {
    return new URL(this.getAttribute('api') ?? '/', document.baseURI);
  }

  /** Path of the catalog's routes, relative to the base: `v1` or `v1/catalogs/NAME`. */
  routes() {
    const name = this.getAttribute('catalog');
    return name ? `v1/catalogs/${encodeURIComponent(name)}` : 'v1';
  }

  async load() {
    const item = this.getAttribute('item');
    if (!item) return;
    const url = new URL(`${this.routes()}/items/${encodeURIComponent(item)}/similar`, this.base());
    url.searchParams.set('k', this.getAttribute('k') ?? '6');
    const category = this.getAttribute('category');
    if (category) url.searchParams.set('category', category);
    const list = this.shadowRoot.querySelector('ol');
    try {
      const response = await fetch(url);
      const body = await response.json();
      if (!response.ok) throw new Error(body.error?.message ?? response.statusText);
      list.replaceChildren(...body.hits.map((hit) => this.card(hit)));
      this.dataset.ids = body.hits.map((h) => h.id).join(',');
    } catch (err) {
      const li = document.createElement('li');
      li.className = 'error';
      li.textContent = `similar items unavailable: ${err.message}`;
      list.replaceChildren(li);
    }
  }

  card(hit) {
    const li = document.createElement('li');
    li.dataset.id = hit.id;
    const img = document.createElement('img');
    img.src = new URL(
      `${this.routes()}/items/${encodeURIComponent(hit.id)}/image`,
      this.base(),
    ).href;
    img.alt = hit.metadata.title ?? hit.id;
    const name = document.createElement('span');
    name.textContent = hit.metadata.title ?? hit.metadata.category ?? hit.id;
    const score = document.createElement('span');
    score.className = 'score';
    score.textContent = `similarity ${hit.score.toFixed(3)}`;
    li.append(img, name, score);
    li.addEventListener('click', () => {
      const event = new CustomEvent('similar-items:select', { detail: hit, cancelable: true });
      if (this.dispatchEvent(event)) this.setAttribute('item', hit.id);
    });
    return li;
  }
}

customElements.define('similar-items', SimilarItems);
