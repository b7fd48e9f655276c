#!/usr/bin/env bash
# Issue 14 item 2: do the generator's SEM effects bring synthetic micrographs closer to real ones? Each arm
# fine-tunes the same synthetic-only weights (the stage-2 default model, shipped at commit 0fbe372, which never saw a
# real micrograph) on synthetic tiles only, and is scored on the real val splits (whole images, per set) by the
# trainer's own validation: `--data` names the sets for validation, `--synthetic-fraction 1` keeps every training
# tile synthetic. Arms and seeds are declared here, before any run: ARMS (default "none sem"), SEEDS (3101 3102),
# STEPS (500; batch 8, lr 2e-4, 50 warm-up steps, validation every 250 steps). The rule of issue 14 item 1: an
# effect is kept only where its mean gain over the "none" arm exceeds the spread between seeds.
#
#   Utilities/study_instrument_effects.sh [WORK_FOLDER]    (default build/effects-study; resumes from checkpoints)
#   ARMS="none sem se-edges" SEEDS="3101 3102" STEPS=500 Utilities/study_instrument_effects.sh
#
# Prints, per arm and seed, the final validation line (per-set val IoU at the threshold chosen on val).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/effects-study}
bin=${SCOPSAM:-build/bin/scopsam}
real=${REAL_DATA:-../shared/data/real}
arms=${ARMS:-none sem}
seeds=${SEEDS:-3101 3102}
steps=${STEPS:-500}
mkdir -p "$work"
start="$work/stage2_synthetic_only.pt"
[ -f "$start" ] || git show 0fbe372:Modules/Model/model/scopsam_small_default.pt > "$start"
for arm in $arms; do
  for seed in $seeds; do
    name="$work/$arm.s$seed"
    SCOPSAM=$bin Utilities/train_run.sh "$name" --init "$start" --coarse-phases --effects "$arm" \
      --data "$real/nasa_super1" --data "$real/uhcs_cementite" --synthetic-fraction 1 \
      --steps "$steps" --batch 8 --lr 2e-4 --warmup 50 --seed "$seed" --validate-every 250 --checkpoint-every 250 \
      --threads 1
    echo "$arm seed $seed: $(grep '^step' "$name.log" | tail -1)"
  done
done
