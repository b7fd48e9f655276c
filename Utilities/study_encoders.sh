#!/usr/bin/env bash
# Issue 14 item 4: two encoders at equal CPU time. Each arm trains a fresh network (no synthetic pre-training: a
# proxy budget, not the shipped three-stage recipe) on the stage-3 mix - the train splits of nasa_super1 and
# uhcs_cementite, each set drawn as often as the other, a quarter of the tiles synthetic with coarse phases - and is
# validated on the sets' val splits (whole images, per set) by the trainer's own validation, five times per run at
# equal fractions of its budget. Declared before any run:
#   small       today's ViT, 16-pixel patches (16 x 16 tokens per 256-pixel tile)   1400 steps, validation every 280
#   small_fine  the same ViT on 8-pixel patches (32 x 32 tokens)                     480 steps, validation every 96
# Steps per arm give each about 1500 CPU-seconds of training at one thread: measured on an idle Intel Xeon
# (Sapphire Rapids), both arms at once, 1.07 s per step of batch 8 for small and 3.06 s for small_fine.
# Seeds 3201 and 3202; batch 8, lr 4e-4, 50 warm-up steps; both arms of a seed run at once, one thread each.
# (On an AMD EPYC, Zen 4, a small_fine step cost 3.7 times a small step, so there small_fine gets more CPU than
# small: read the CPU seconds, not the steps. The runs of 2026-12-07 are in Documentation/results.md.)
#
#   Utilities/study_encoders.sh [WORK_FOLDER]    (default build/encoder-study; resumes from checkpoints)
#   SEEDS="3201 3202" Utilities/study_encoders.sh
#
# Prints, per arm and seed, every validation line (per-set val IoU at the threshold chosen on val, the wall and
# process CPU seconds so far) and the run's total CPU seconds (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/encoder-study}
seeds=${SEEDS:-3201 3202}

for seed in $seeds; do
  Utilities/proxy_run.sh "$work" small "$seed" 1400 280 --config small --synthetic-fraction 0.25 & small=$!
  Utilities/proxy_run.sh "$work" small_fine "$seed" 480 96 --config small_fine --synthetic-fraction 0.25 & fine=$!
  wait "$small"
  wait "$fine"
done
for name in small small_fine; do
  Utilities/proxy_run.sh --report "$work" "$name" $seeds
done
