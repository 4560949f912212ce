/**
 * A bounded top-k: keeps the k smallest distances seen, in a binary max-heap held in typed
 * arrays, so that a scan costs one comparison per item once the heap is full.
 */
export class TopK {
  /** Float32Array, size k: heap of distances, the largest at 0. */
  private readonly dist: Float32Array;
  /** Int32Array, size k: the ordinals beside `dist`. */
  private readonly ords: Int32Array;
  private size = 0;

  /** Keeps the `k` smallest (k ≥ 1). */
  constructor(readonly k: number) {
    this.dist = new Float32Array(k);
    this.ords = new Int32Array(k);
  }

  /** The distance an item must beat to enter: +Infinity until k items are held. */
  get threshold(): number {
    return this.size < this.k ? Infinity : this.dist[0];
  }

  /** Offers one item; callers may skip the call when `d >= threshold`. */
  push(d: number, ordinal: number): void {
    const { dist, ords } = this;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (dist[p] >= d) break;
        dist[i] = dist[p];
        ords[i] = ords[p];
        i = p;
      }
      dist[i] = d;
      ords[i] = ordinal;
      return;
    }
    if (d >= dist[0]) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.k) break;
      if (c + 1 < this.k && dist[c + 1] > dist[c]) c++;
      if (dist[c] <= d) break;
      dist[i] = dist[c];
      ords[i] = ords[c];
      i = c;
    }
    dist[i] = d;
    ords[i] = ordinal;
  }

  /** The items held, by increasing distance (ties by increasing ordinal). */
  sorted(): { ordinal: number; distance: number }[] {
    const out = [];
    for (let i = 0; i < this.size; i++) out.push({ ordinal: this.ords[i], distance: this.dist[i] });
    return out.sort((a, b) => a.distance - b.distance || a.ordinal - b.ordinal);
  }
}
