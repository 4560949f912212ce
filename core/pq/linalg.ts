/**
 * The little dense linear algebra OPQ needs, on d×d row-major matrices (d ≤ a few hundred):
 * products, a seeded random rotation, and the orthogonal polar factor by one-sided Jacobi SVD.
 */
import type { Rng } from './random.ts';

/**
 * Returns `rows`×`d` row-major `x` times the d×d row-major matrix `r`: a Float32Array of size
 * rows·d whose row i is x_i·R (row vector on the left).
 */
export function multiplyRows(x: Float32Array, rows: number, r: Float32Array, d: number) {
  const out = new Float32Array(rows * d);
  const acc = new Float64Array(d);
  for (let i = 0; i < rows; i++) {
    acc.fill(0);
    for (let a = 0; a < d; a++) {
      const v = x[i * d + a];
      if (v === 0) continue;
      for (let b = 0; b < d; b++) acc[b] += v * r[a * d + b];
    }
    for (let b = 0; b < d; b++) out[i * d + b] = acc[b];
  }
  return out;
}

/** Returns Xᵀ·Y (Float64Array, size d·d, row-major) of two n×d row-major matrices. */
export function crossProduct(x: Float32Array, y: Float32Array, n: number, d: number) {
  const out = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const v = x[i * d + a];
      for (let b = 0; b < d; b++) out[a * d + b] += v * y[i * d + b];
    }
  }
  return out;
}

/** A seeded random d×d rotation (Gram–Schmidt of a Gaussian matrix), Float32Array, row-major. */
export function randomRotation(d: number, rng: Rng): Float32Array {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) {
    m[i] = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += m[i * d + t] * m[j * d + t];
      for (let t = 0; t < d; t++) m[i * d + t] -= dot * m[j * d + t];
    }
    let norm = 0;
    for (let t = 0; t < d; t++) norm += m[i * d + t] ** 2;
    for (let t = 0; t < d; t++) m[i * d + t] /= Math.sqrt(norm);
  }
  return Float32Array.from(m);
}

const JACOBI_SWEEPS = 60;
const JACOBI_TOLERANCE = 1e-12;

/**
 * The orthogonal polar factor U·Vᵀ of A = U·Σ·Vᵀ (Float64Array d·d, row-major): the rotation R
 * minimising ‖X·R − Y‖ when A = Xᵀ·Y (orthogonal Procrustes). One-sided Jacobi on the columns.
 */
export function polarFactor(a: Float64Array, d: number): Float32Array {
  const w = a.slice();
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < JACOBI_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < d; i++) {
          const wp = w[i * d + p];
          const wq = w[i * d + q];
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        if (Math.abs(gamma) <= JACOBI_TOLERANCE * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (const m of [w, v]) {
          for (let i = 0; i < d; i++) {
            const mp = m[i * d + p];
            const mq = m[i * d + q];
            m[i * d + p] = c * mp - s * mq;
            m[i * d + q] = s * mp + c * mq;
          }
        }
      }
    }
    if (!rotated) break;
  }
  // Columns of W = A·V are σ_j·u_j; R = Σ_j u_j·v_jᵀ.
  const r = new Float32Array(d * d);
  for (let j = 0; j < d; j++) {
    let sigma = 0;
    for (let i = 0; i < d; i++) sigma += w[i * d + j] ** 2;
    sigma = Math.sqrt(sigma);
    if (!(sigma > 0)) throw new RangeError(`polar factor: singular value ${j} is ${sigma}`);
    for (let a = 0; a < d; a++) {
      const u = w[a * d + j] / sigma;
      for (let b = 0; b < d; b++) r[a * d + b] += u * v[b * d + j];
    }
  }
  return r;
}
