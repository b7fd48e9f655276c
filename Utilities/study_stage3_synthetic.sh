#!/usr/bin/env bash
# A study for issue 14's "synthetic levels 1 and 2 not lower than today", declared 2026-12-07 (session 17) before
# its runs. "Today" is the stage-2 file the shipped default grew from (build/model-training/
# scopsam_small_default.stage2.pt, #dd58401549aa2c44): levels 1 / 2 0.561 / 0.424, measured again this session to the
# last digit. The real-data stage (stage 3: a quarter synthetic tiles, 2000 steps) takes them to 0.529 / 0.391 and the
# fourth stage leaves them at 0.533 / 0.394; a fifth stage with more synthetic tiles on top did not give them back
# (study_stage5_synthetic.sh). So this study changes stage 3 itself: a larger synthetic share from the stage-2 file,
# with the steps raised so that the real tiles are seen at least half as often as in the shipped stage 3.
#
# Arms (one run each, one thread each, side by side; stage 3 seed 2028 and stage 4 seed 3301 as shipped):
#   syn50   stage 3 with --synthetic-fraction 0.5, 3000 steps (as many real tiles as the shipped stage 3's 2000 x 3/4)
#   syn75   stage 3 with --synthetic-fraction 0.75, 3000 steps
# each followed by the shipped fourth stage (train_default_models.sh's stage 4, unchanged) from its stage-3 file. The
# trainer keeps each stage's best checkpoint on the val splits (automatic mode, mean over sets), as for every stage.
# Measure (each arm's stage-4 file): MODEL=... Utilities/results_tables.sh with PARTS=synthetic; automatic val
# splits; the default click path on the val splits after 5 clicks (each mask given back, the bench's default); the
# network alone under --prompts-only on the tertiary set after 5 clicks.
# Rule: an arm passes where (1) automatic IoU on the val splits is at least 0.880 on nasa_super1 (the issue's target,
# met by the shipped default) and 0.636 on uhcs_cementite (the shipped 0.651 less 0.015, the larger seed range of the
# synthetic-share study); (2) synthetic levels 1 and 2 reach 0.561 and 0.424; (3) the default click path after 5
# clicks reaches 0.900 on nasa_super1 (the issue's target) and 0.646 on uhcs_cementite (the shipped 0.661 less 0.015);
# (4) the network alone finds the tertiary phase at least at 0.5 after 5 clicks. Of two that pass, the higher mean of
# levels 1 and 2. A passing arm is the candidate default: the test sets scored once with it, and the prior-off model
# trained by the same stage 3 (the ablation pair keeps one recipe) before any swap. None passing is reported in
# Documentation/results.md with the figures reached.
#
#   Utilities/study_stage3_synthetic.sh [WORK_FOLDER]     (default build/stage3-study; resumes from checkpoints)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/stage3-study}
bin=${SCOPSAM:-build/bin/scopsam}
real=${REAL_DATA:-../shared/data/real}
start=${STAGE2:-build/model-training/scopsam_small_default.stage2.pt}
mkdir -p "$work"
source Utilities/stage4_recipe.sh
common=(--config small --batch 8 --threads 1 --coarse-phases --lr 2e-4 --warmup 50
        --data "$real/nasa_super1" --data "$real/uhcs_cementite")
arm() { # NAME SHARE: stage 3 then stage 4 of one arm (Utilities/train_run.sh: resumable)
  local name=$1 share=$2
  SCOPSAM=$bin Utilities/train_run.sh "$work/$name.stage3" "${common[@]}" --init "$start" \
    --synthetic-fraction "$share" --steps 3000 --validate-every 250 --checkpoint-every 250 --seed 2028
  SCOPSAM=$bin stage4_run "$work/$name.stage4" "$work/$name.stage3.pt" 3301
}
arm syn50 0.5 & syn50=$!
arm syn75 0.75 & syn75=$!
wait "$syn50"
wait "$syn75"
for name in syn50 syn75; do # Utilities/measure_candidate.sh: the synthetic tables and the val benches
  SCOPSAM=$bin REAL_DATA=$real Utilities/measure_candidate.sh "$work/$name.stage4.pt" "$work/$name.tables"
done
echo "tables in $work/*.tables"
