#!/usr/bin/env bash
# Issue 14 item 1: the share of synthetic tiles in the real-data stage, measured. Every arm is the proxy recipe of
# Utilities/proxy_run.sh (a fresh prior-guided `small` network, 1400 steps of batch 8 on the train splits of
# nasa_super1 and uhcs_cementite, each set drawn as often as the other), validated on the sets' val splits (whole
# images, per set) by the trainer, five times per run; only --synthetic-fraction differs. Declared before any run of
# this study (2026-12-07):
#   synthetic0    --synthetic-fraction 0     real tiles only
#   small         --synthetic-fraction 0.25  the shipped recipe's share (the encoder and priors studies' runs)
#   synthetic50   --synthetic-fraction 0.5   half of the tiles synthetic
#   seeds         3201 and 3202 for the two new arms (the 0.25 arm has 3201-3203; it is compared on 3201 and 3202)
#   measure       the mean over the two sets of the val IoU at the trainer's kept checkpoint, per set too, and the
#                 synthetic val IoU the trainer reports (what the synthetic tiles keep)
#   rule          another share replaces 0.25 in the recipe only where its mean gain over 0.25 on the same seeds
#                 exceeds the larger of the two arms' spreads between seeds (issue 14 item 1)
# nbs2 and aza play no part.
#
#   Utilities/study_synthetic_fraction.sh [WORK_FOLDER]     (default build/encoder-study)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/encoder-study}
seeds=${SEEDS:-3201 3202}

for seed in $seeds; do
  Utilities/proxy_run.sh "$work" synthetic0 "$seed" 1400 280 --config small --synthetic-fraction 0 & none=$!
  Utilities/proxy_run.sh "$work" synthetic50 "$seed" 1400 280 --config small --synthetic-fraction 0.5 & half=$!
  wait "$none"
  wait "$half"
done
for name in synthetic0 small synthetic50; do
  Utilities/proxy_run.sh --report "$work" "$name" $seeds
done
