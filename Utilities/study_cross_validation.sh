#!/usr/bin/env bash
# Issue 14 item 1: how much do the val splits (4 images per set) say? The proxy recipe of Utilities/proxy_run.sh (a
# fresh prior-guided `small` network, 1400 steps on nasa_super1 and uhcs_cementite, a quarter of the tiles
# synthetic) run on K grouped cross-validation folds (`scopsam train --fold I/K`: each set's train and val images
# pooled, grouped by field of view - nasa_super1's spot, uhcs_cementite's image - and dealt to K folds; fold I
# validates, the rest trains). Declared before any run of this study (2026-12-07):
#   folds     K = 4, folds 0-3, seed 3201 (the proxy studies' first seed)
#   measure   per fold and set, the val IoU at the trainer's kept checkpoint; the cross-validated mean per set, and the
#             spread between folds, to set beside the spread between seeds on the fixed val split (0.001-0.015)
#   use       sizes the "gain larger than the spread" rule of later decisions; nothing is chosen by this study
# nbs2 and aza play no part.
#
#   Utilities/study_cross_validation.sh [WORK_FOLDER]     (default build/encoder-study)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/encoder-study}
seed=3201
folds=4

Utilities/proxy_run.sh "$work" cv4.fold0 "$seed" 1400 280 --config small --synthetic-fraction 0.25 --fold 0/$folds & a=$!
Utilities/proxy_run.sh "$work" cv4.fold1 "$seed" 1400 280 --config small --synthetic-fraction 0.25 --fold 1/$folds & b=$!
wait "$a"
wait "$b"
Utilities/proxy_run.sh "$work" cv4.fold2 "$seed" 1400 280 --config small --synthetic-fraction 0.25 --fold 2/$folds & a=$!
Utilities/proxy_run.sh "$work" cv4.fold3 "$seed" 1400 280 --config small --synthetic-fraction 0.25 --fold 3/$folds & b=$!
wait "$a"
wait "$b"
for fold in 0 1 2 3; do
  Utilities/proxy_run.sh --report "$work" "cv4.fold$fold" "$seed"
done
