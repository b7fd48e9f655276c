#!/usr/bin/env bash
# Trains the two shipped models from nothing, as Documentation/ModelCard.md records them:
#   Modules/Model/model/scopsam_small_default.pt    the embedded default (priors on)
#   Modules/Model/model/scopsam_small_prior_off.pt  the same network with every prior entry point off (the ablation)
# Each is trained in two stages, both networks with the same budget (5000 steps of batch 8 in all):
#   stage 1  3000 steps on the fine synthetic morphologies (DESIGN section 4), seed 2026, lr 4e-4;
#   stage 2  2000 steps from the stage-1 weights, the coarse morphologies on offer too (--coarse-phases), seed 2027,
#            lr 2e-4.
# Only the project's synthetic generator is used: the data are regenerated from the seeds.
#
#   Utilities/train_default_models.sh [WORK_FOLDER]     (default build/model-training)
#
# Both networks train at once, one thread each (on 2 cores that is faster overall than one after the other with two
# threads). A run that stops (a session's processes end with it) continues where its last checkpoint left it when the
# script is started again: every stage resumes from WORK_FOLDER/<model>.stage<N>.checkpoints.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/model-training}
bin=build/bin/scopsam
mkdir -p "$work"

# stage MODEL STAGE EXTRA_ARGS...: one stage of one model, resumed when its checkpoints exist.
stage() {
  local model=$1 number=$2; shift 2
  local output=$work/$model.stage$number.pt checkpoints=$work/$model.stage$number.checkpoints
  [ -f "$output" ] && return 0
  local resume=()
  [ -f "$checkpoints/state.json" ] && resume=(--resume)
  "$bin" train "$output" --config small --batch 8 --validate-every 250 --checkpoint-every 250 \
    --checkpoints "$checkpoints" --threads 1 "${resume[@]}" "$@" >> "$work/$model.log"
}

# train MODEL PRIOR_ARGS...: both stages of one model (stage 2 takes its configuration from the stage-1 file).
train() {
  local model=$1; shift
  stage "$model" 1 "$@" --steps 3000 --lr 4e-4 --warmup 100 --seed 2026
  stage "$model" 2 --init "$work/$model.stage1.pt" --coarse-phases --steps 2000 --lr 2e-4 --warmup 50 --seed 2027
}

train scopsam_small_default & default=$!
train scopsam_small_prior_off --priors none & prior_off=$!
wait "$default"
wait "$prior_off"
cp "$work/scopsam_small_default.stage2.pt" Modules/Model/model/scopsam_small_default.pt
cp "$work/scopsam_small_prior_off.stage2.pt" Modules/Model/model/scopsam_small_prior_off.pt
echo "trained: Modules/Model/model/scopsam_small_default.pt and scopsam_small_prior_off.pt (logs in $work)"
