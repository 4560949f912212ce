#!/usr/bin/env bash
# Reproduces the training runs behind the `attempts` section of BENCHMARKS.md (issue 7): each
# objective on the first 20,000 training images for 4 epochs (a few minutes each on one core),
# a full-data reconstruction run of 8 epochs, and the two invariance terms on the full data for
# 20 epochs with the default's whitening (about 25 min each), then scores them all with
# `npm run eval:attempts`. The default encoder (artifacts/models/fmnist-d64, `npm run train`)
# is scored beside them when it exists. A second table compares whitenings on the raw
# embeddings of the default's 30 epochs and of two variants of it: wider convolutions, and
# d = 128 (about 40 and 20 min). Usage: bash scripts/attempts.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/attempts}
short=(--limit 20000 --epochs 4 --whiten 0)
strong=(--shift 3 --scale 0.15 --contrast 0.3 --flip)

# Trains a run unless a finished one is there (a run's manifest says "complete": false until
# its last epoch and whitening), and adds it to the runs to score.
dirs=()
run() {
  local name=$1
  shift
  dirs+=("$out/$name")
  grep -qs '"complete": *true' "$out/$name/manifest.json" && return
  npm run --silent train -- --out "$out/$name" "$@"
}

run recon-20k "${short[@]}"
run recon-20k-erase "${short[@]}" --erase 0.3
run uniform-20k "${short[@]}" --invariance 0.1
run uniform-20k-strong "${short[@]}" --invariance 0.1 "${strong[@]}"
run infonce-20k-strong "${short[@]}" --invariance 0.1 --contrastive infonce --projector 128 \
  "${strong[@]}"
run recon-full-8 --epochs 8 --whiten 0
run uniform-full-20 --epochs 20 --invariance 0.1
run infonce-full-20-strong --epochs 20 --invariance 0.1 --contrastive infonce --projector 128 \
  "${strong[@]}"

[ -f artifacts/models/fmnist-d64/manifest.json ] && dirs+=(artifacts/models/fmnist-d64)
npm run --silent eval:attempts -- --whiten 0.5,0.75 --whiten-shrink 0 "${dirs[@]}"

dirs=()
[ -f artifacts/models/fmnist-d64/manifest.json ] && dirs+=(artifacts/models/fmnist-d64)
run wide-full-30 --filters 32,64,64
run d128-full-30 --dim 128
npm run --silent eval:attempts -- --whiten 0.75,1 --whiten-shrink 0,1 --section attempts-whitening \
  "${dirs[@]}"
