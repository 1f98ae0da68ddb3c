#!/usr/bin/env bash
# The synthetic data sets the smoke specs (experiments/smoke/*.json) read from out/smoke/, made once:
#   out/smoke/detect    4 shape classes, 1000 training and 100 validation images (Table 4, the GA stage)
#   out/smoke/classify  8 shape classes, one object per image, 4000 + 400 (Tables 2 and 3, Table 4's pre-training)
# Both at difficulty medium, what the smoke networks learn within minutes on a CPU (sweep data synth --help).
# Usage: scripts/smoke-data.sh PATH/TO/sweep
set -euo pipefail
cd "$(dirname "$0")/.."
sweep="${1:?usage: scripts/smoke-data.sh PATH/TO/sweep}"
out=out/smoke
[ -f "$out/detect/train.txt" ] ||
  "$sweep" data synth --out "$out/detect" --train 1000 --val 100 --seed 1 --difficulty medium
[ -f "$out/classify/train.txt" ] ||
  "$sweep" data synth --out "$out/classify" --train 4000 --val 400 --size 96 --classes 8 --classify --seed 1 \
    --difficulty medium
