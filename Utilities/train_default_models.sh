#!/usr/bin/env bash
# Trains the two shipped models from nothing, as Documentation/ModelCard.md records them:
#   Modules/Model/model/scopsam_small_default.pt    the embedded default (priors on)
#   Modules/Model/model/scopsam_small_prior_off.pt  the same network with every prior entry point off (the ablation)
# Each is trained in three stages, both networks with the same budget (7000 steps of batch 8 in all), and the default
# in a fourth:
#   stage 1  3000 steps on the fine synthetic morphologies (DESIGN section 4), seed 2026, lr 4e-4;
#   stage 2  2000 steps from the stage-1 weights, the coarse morphologies on offer too (--coarse-phases), seed 2027,
#            lr 2e-4;
#   stage 3  2000 steps from the stage-2 weights on real micrographs: the train splits of the annotated sets of
#            REAL_DATA (nasa_super1, uhcs_cementite), each set drawn as often as the other, with a quarter of the
#            tiles synthetic (stage 2's distribution); seed 2028, lr 2e-4. The output is the checkpoint that scores best
#            on the sets' val splits (whole images), with the threshold chosen there stored in the model file.
#            (Real tiles only, SYNTHETIC_FRACTION=0, scored higher on the val splits and was not shipped: it marks
#            nearly everything as phase on the synthetic sets; Documentation/ModelCard.md.)
#   stage 4  (the default only) 800 steps from the stage-3 weights teaching the network's own click path: the
#            stage-3 sets plus nasa_super1_tertiary as a prompted target (a tenth of the tiles; its masks reach the
#            click path only), half the tiles synthetic, half the prompted tiles with 1-8 rounds of clicks on the
#            errors of the network's own masks (SAM's training); seed 3301, lr 2e-4, validated every 200 steps
#            (Utilities/study_prompted_target.sh's rounds8, Documentation/results.md "A fourth stage"). The same stage
#            from the prior-off stage-3 file kept its step 0, so the prior-off model is its stage-3 file.
# Stages 1 and 2 regenerate their data from the seeds; stage 3 reads REAL_DATA (default ../shared/data/real).
#
#   Utilities/train_default_models.sh [WORK_FOLDER]     (default build/model-training)
#   REAL_DATA=/path/to/real Utilities/train_default_models.sh
#   SYNTHETIC_FRACTION=0 Utilities/train_default_models.sh   (stage 3's share of synthetic tiles; default 0.25)
#   SCOPSAM=/path/to/scopsam Utilities/train_default_models.sh   (a copy of the binary, so that rebuilding meanwhile
#                                                                 does not touch the running runs)
#
# Both networks train at once, one thread each (on 2 cores that is faster overall than one after the other with two
# threads). A run that stops (a session's processes end with it) continues where its last checkpoint left it when the
# script is started again: every stage resumes from WORK_FOLDER/<model>.stage<N>.checkpoints.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/model-training}
bin=${SCOPSAM:-build/bin/scopsam}
real=${REAL_DATA:-../shared/data/real}
mkdir -p "$work"

# stage MODEL STAGE EXTRA_ARGS...: one stage of one model (Utilities/train_run.sh: skipped where its file exists,
# resumed from WORK_FOLDER/<model>.stage<N>.checkpoints, logged to <model>.stage<N>.log; EVERY: steps between
# validations and checkpoints, 250 unless given).
stage() {
  local model=$1 number=$2; shift 2
  local every=${EVERY:-250}
  SCOPSAM=$bin Utilities/train_run.sh "$work/$model.stage$number" --config small --batch 8 --validate-every "$every" \
    --checkpoint-every "$every" --threads 1 "$@"
}

# train MODEL PRIOR_ARGS...: the three stages of one model (stage 2 takes its configuration from the stage-1 file).
train() {
  local model=$1; shift
  if [ ! -f "$work/$model.stage2.pt" ]; then # a stage-2 file already there (a shipped one) skips stages 1 and 2
    stage "$model" 1 "$@" --steps 3000 --lr 4e-4 --warmup 100 --seed 2026
    stage "$model" 2 --init "$work/$model.stage1.pt" --coarse-phases --steps 2000 --lr 2e-4 --warmup 50 --seed 2027
  fi
  stage "$model" 3 --init "$work/$model.stage2.pt" --coarse-phases --data "$real/nasa_super1" --data "$real/uhcs_cementite" \
    --synthetic-fraction "${SYNTHETIC_FRACTION:-0.25}" --steps 2000 --lr 2e-4 --warmup 50 --seed 2028
}

train scopsam_small_default & default=$!
train scopsam_small_prior_off --priors none & prior_off=$!
wait "$default"
wait "$prior_off"
source Utilities/stage4_recipe.sh
EVERY=200 stage scopsam_small_default 4 --init "$work/scopsam_small_default.stage3.pt" "${stage4_recipe[@]}" --seed 3301
cp "$work/scopsam_small_default.stage4.pt" Modules/Model/model/scopsam_small_default.pt
cp "$work/scopsam_small_prior_off.stage3.pt" Modules/Model/model/scopsam_small_prior_off.pt
echo "trained: Modules/Model/model/scopsam_small_default.pt and scopsam_small_prior_off.pt (logs in $work)"
