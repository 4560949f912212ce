#!/usr/bin/env python3
"""FAISS side of `npm run bench -- index`: the same vectors, the same settings, one thread.

Reads raw little-endian float32 files (base N x d, queries Q x d), computes the exact top-k
with IndexFlatL2 (written to --gt as int32 Q x k for the TypeScript side), then builds and
searches each configuration of --configs (a JSON list) and prints one JSON document:
{"faiss": version, "results": [{name, recall1, recall10, overlap10, msPerQuery, ...}]}.

Recall, as in the TypeScript bench: recall1 / recall10 = fraction of queries whose exact
nearest neighbour is ranked first / within the top 10; overlap10 = |top10 & exact top10| / 10.
"""
import argparse
import json
import sys
import time

import faiss
import numpy as np

K = 10
# Queries of the timed searches (best of 3); recall uses every query.
TIMED_QUERIES = 1000


def load(path, d):
    x = np.fromfile(path, dtype="<f4")
    if x.size % d:
        sys.exit(f"{path}: {x.size} floats is not a multiple of d={d}")
    return np.ascontiguousarray(x.reshape(-1, d))


def recalls(found, truth):
    q = truth.shape[0]
    r1 = float(np.mean(found[:, 0] == truth[:, 0]))
    r10 = float(np.mean([truth[i, 0] in found[i, :K] for i in range(q)]))
    overlap = float(np.mean([len(set(found[i, :K]) & set(truth[i, :K])) / K for i in range(q)]))
    return r1, r10, overlap


def same_training(cp, cfg, k):
    """k-means as on the TypeScript side: `iterations` Lloyd steps on at most `trainSize`
    vectors (FAISS samples max_points_per_centroid * k of them)."""
    cp.niter = cfg["iterations"]
    cp.max_points_per_centroid = max(1, cfg["trainSize"] // k)
    cp.seed = cfg.get("seed", 1)


def make_index(cfg, d):
    """One configuration: {"M", "nbits"?, "nlist"?, "opq"?, "refine"?, "iterations",
    "trainSize"}; nbits 8 by default, 4 = PQFastScan ("PQ{M}x4fs")."""
    m = cfg["M"]
    if cfg.get("nbits", 8) == 4:
        index = faiss.index_factory(d, f"PQ{m}x4fs")
        same_training(index.pq.cp, cfg, 16)
        return index, None
    if cfg.get("nlist"):
        quantizer = faiss.IndexFlatL2(d)
        index = faiss.IndexIVFPQ(quantizer, d, cfg["nlist"], m, 8)
        same_training(index.cp, cfg, cfg["nlist"])
        same_training(index.pq.cp, cfg, 256)
        return index, quantizer
    if cfg.get("opq"):
        index = faiss.index_factory(d, f"OPQ{m},PQ{m}")
        opq = faiss.downcast_VectorTransform(index.chain.at(0))
        opq.niter = cfg["opqIterations"]
        opq.max_train_points = cfg["opqTrainSize"]
        same_training(faiss.downcast_index(index.index).pq.cp, cfg, 256)
        return index, None
    if cfg.get("refine") == "int8":
        index = faiss.index_factory(d, f"PQ{m},Refine(SQ8)")
        same_training(faiss.downcast_index(index.base_index).pq.cp, cfg, 256)
        return index, None
    index = faiss.IndexPQ(d, m, 8)
    same_training(index.pq.cp, cfg, 256)
    return index, None


def run_config(cfg, base, queries, truth):
    d = base.shape[1]
    index, _quantizer = make_index(cfg, d)
    t0 = time.perf_counter()
    index.train(base)
    index.add(base)
    train_s = time.perf_counter() - t0
    if cfg.get("nlist"):
        index.nprobe = cfg["nprobe"]
    if cfg.get("refine"):
        faiss.downcast_index(index).k_factor = cfg.get("rerankPerResult", 10)
    _, found = index.search(queries, K)
    timed = queries[:TIMED_QUERIES]
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        index.search(timed, K)
        best = min(best, time.perf_counter() - t0)
    r1, r10, overlap = recalls(found, truth)
    return {
        "name": cfg["name"], "recall1": r1, "recall10": r10, "overlap10": overlap,
        "msPerQuery": 1000 * best / timed.shape[0], "trainSeconds": train_s,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--d", type=int, required=True)
    ap.add_argument("--gt", required=True, help="output: exact top-10, int32 Q x 10")
    ap.add_argument("--configs", required=True, help="JSON list of configurations")
    args = ap.parse_args()
    faiss.omp_set_num_threads(1)
    base = load(args.base, args.d)
    queries = load(args.queries, args.d)
    flat = faiss.IndexFlatL2(args.d)
    flat.add(base)
    _, truth = flat.search(queries, K)
    truth.astype("<i4").tofile(args.gt)
    results = []
    for cfg in json.loads(args.configs):
        try:
            results.append(run_config(cfg, base, queries, truth))
        except Exception as e:  # a factory string this FAISS version lacks
            results.append({"name": cfg["name"], "error": str(e).splitlines()[0][:120]})
    json.dump({"faiss": faiss.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
