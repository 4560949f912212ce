#!/usr/bin/env bash
# Reproduces the short training runs behind the `attempts` section of BENCHMARKS.md (issue 7):
# each objective on the first 20,000 training images for 4 epochs (a few minutes each on one
# core), plus a full-data reconstruction run of 8 epochs, then scores them all with
# `npm run eval:attempts`. The default encoder (artifacts/models/fmnist-d64, `npm run train`)
# is scored beside them when it exists. Usage: bash scripts/attempts.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/attempts}
short=(--limit 20000 --epochs 4 --whiten 0)
strong=(--shift 3 --scale 0.15 --contrast 0.3 --flip)

run() {
  local name=$1
  shift
  [ -f "$out/$name/manifest.json" ] || npm run --silent train -- --out "$out/$name" "$@"
}

run recon-20k "${short[@]}"
run recon-20k-erase "${short[@]}" --erase 0.3
run uniform-20k "${short[@]}" --invariance 0.1
run uniform-20k-strong "${short[@]}" --invariance 0.1 "${strong[@]}"
run infonce-20k-strong "${short[@]}" --invariance 0.1 --contrastive infonce --projector 128 \
  "${strong[@]}"
run recon-full-8 --epochs 8 --whiten 0

dirs=("$out"/recon-20k "$out"/recon-20k-erase "$out"/uniform-20k "$out"/uniform-20k-strong
  "$out"/infonce-20k-strong "$out"/recon-full-8)
[ -f artifacts/models/fmnist-d64/manifest.json ] && dirs+=(artifacts/models/fmnist-d64)
npm run --silent eval:attempts -- --whiten 0.5,0.75 "${dirs[@]}"
